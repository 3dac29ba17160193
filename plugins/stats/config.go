package stats

import (
	"errors"
	"fmt"

	"mellium.im/xmpp/jid"
)

// Config is stats's config section.
type Config struct {
	// AdminsOnly restricts the statistics to the accounts in Admins. By
	// default every user of the server may read them, as ejabberd's
	// mod_stats allows: they are counts and the uptime, nothing about
	// anyone in particular.
	AdminsOnly bool `json:"admins_only"`
	// Admins are the accounts, by bare JID, that may read the statistics
	// when AdminsOnly is set.
	Admins []string `json:"admins"`
}

// Validate checks that every admin is the bare JID of an account, and
// that admins_only does not lock everyone out. The admins' domain is
// checked by Configure, which knows the served domain.
func (c *Config) Validate() error {
	for i, a := range c.Admins {
		j, err := jid.Parse(a)
		if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
			return fmt.Errorf("admins[%d]: %q is not the bare JID of an account", i, a)
		}
	}
	if c.AdminsOnly && len(c.Admins) == 0 {
		return errors.New("admins_only needs at least one of admins: nobody could read the statistics")
	}
	return nil
}

// admins prepares the admin JIDs (RFC 7622) and checks their domain.
func (c *Config) admins(domain string) (map[string]bool, error) {
	out := make(map[string]bool, len(c.Admins))
	for i, a := range c.Admins {
		j := jid.MustParse(a) // Validate parsed it
		if j.Domainpart() != domain {
			return nil, fmt.Errorf("invalid config: admins[%d]: %s is not an account of %s", i, a, domain)
		}
		out[j.String()] = true
	}
	return out, nil
}
