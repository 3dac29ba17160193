package adhoc

import (
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"
)

// Config is adhoc's config section.
type Config struct {
	// Admins are the accounts, by bare JID, that may list and run the
	// service administration commands. Empty by default: nobody may.
	Admins []string `json:"admins"`
	// SessionTimeout is how long a command waits for the form it sent to
	// come back; after it, the command's session has expired.
	SessionTimeout time.Duration `json:"session_timeout"`
}

func defaultConfig() Config {
	return Config{SessionTimeout: 10 * time.Minute}
}

// Validate checks that every admin is a bare JID with a localpart (an
// account) and that the timeout is positive. Whether the admins are
// accounts of the served domain is checked by Configure, which knows it.
func (c *Config) Validate() error {
	if c.SessionTimeout <= 0 {
		return errors.New("session_timeout must be positive")
	}
	for i, a := range c.Admins {
		j, err := jid.Parse(a)
		if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
			return fmt.Errorf("admins[%d]: %q is not the bare JID of an account", i, a)
		}
	}
	return nil
}

// admins prepares the admin JIDs (RFC 7622), so that they compare equal
// to the prepared JIDs the core puts in 'from', and checks their domain.
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
