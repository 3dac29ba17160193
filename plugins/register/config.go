package register

import (
	"errors"
	"strings"
	"time"
)

// Config is register's config section.
type Config struct {
	// AllowRegistration lets clients create accounts before authenticating
	// (XEP-0077 §3.1), and offers the registration stream feature. Off by
	// default: an open server is an operator's decision.
	AllowRegistration bool `json:"allow_registration"`
	// Instructions is the text of the registration form's <instructions/>.
	Instructions string `json:"instructions"`
	// RegistrationsPerAddress is how many accounts one IP address may
	// create within RegistrationWindow; 0 for no limit. Default 5.
	RegistrationsPerAddress int `json:"registrations_per_address"`
	// RegistrationWindow is the period RegistrationsPerAddress counts
	// over. Default 1h.
	RegistrationWindow time.Duration `json:"registration_window"`
	// AllowPasswordChange lets an authenticated user change their password
	// (XEP-0077 §3.3). Default true.
	AllowPasswordChange bool `json:"allow_password_change"`
	// AllowRemove lets an authenticated user delete their own account
	// (XEP-0077 §3.2). Default true.
	AllowRemove bool `json:"allow_remove"`
}

func defaultConfig() Config {
	return Config{
		Instructions:            "Choose a username and password for use with this server.",
		RegistrationsPerAddress: 5,
		RegistrationWindow:      time.Hour,
		AllowPasswordChange:     true,
		AllowRemove:             true,
	}
}

// Validate checks the limits and the instructions.
func (c *Config) Validate() error {
	switch {
	case strings.TrimSpace(c.Instructions) == "":
		return errors.New("instructions must not be blank")
	case c.RegistrationsPerAddress < 0:
		return errors.New("registrations_per_address must not be negative")
	case c.RegistrationsPerAddress > 0 && c.RegistrationWindow <= 0:
		return errors.New("registration_window must be positive")
	}
	return nil
}
