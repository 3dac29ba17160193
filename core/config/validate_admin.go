package config

import "time"

func (c *Config) validateAdmin(p *problems) {
	atLeast(p, "admin.max_body_bytes", c.Admin.MaxBodyBytes, 1024)
	if c.Admin.RequestTimeout < time.Second {
		p.addf("admin.request_timeout", "must be at least 1s, got %s", c.Admin.RequestTimeout)
	}
	if t := c.Admin.Token; t != "" && len(t) < MinAdminTokenBytes {
		p.addf("admin.token", "must be at least %d characters, so that it cannot be guessed; got %d", MinAdminTokenBytes, len(t))
	}
	if c.Listen.Admin != "" && c.Admin.Token == "" && len(c.AdminAccounts()) == 0 {
		p.addf("listen.admin", "is set, but nobody could use it: set admin.token, or list admin accounts in plugins.adhoc.config.admins")
	}
}

// AdminAccounts are the bare JIDs listed in plugins.adhoc.config.admins:
// the accounts that may use the admin API with their passwords. Entries
// that are not strings are left out; the adhoc plugin refuses them.
func (c *Config) AdminAccounts() []string {
	raw, _ := c.Plugins["adhoc"].Config["admins"].([]any)
	var out []string
	for _, a := range raw {
		if s, ok := a.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
