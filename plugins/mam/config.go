package mam

import (
	"errors"
	"fmt"
	"time"
)

// Config is mam's config section.
type Config struct {
	// Retention is how long a message stays in the archive; older ones are
	// deleted, oldest first, by a cleanup that runs every CleanupInterval.
	// 0 keeps messages forever. Default 8760h (a year).
	Retention time.Duration `json:"retention"`
	// CleanupInterval is how often the cleanup runs. Default 1h.
	CleanupInterval time.Duration `json:"cleanup_interval"`
	// PageSize is how many results a query returns when it names no
	// <max/>. Default 50.
	PageSize int `json:"page_size"`
	// MaxPageSize caps a query's <max/>; a query asking for more gets this
	// many and complete='false' when there are more. Default 250.
	MaxPageSize int `json:"max_page_size"`
	// DefaultPreference is what is archived for a user who has not set
	// preferences (XEP-0441): "always", "roster" (only contacts in the
	// roster) or "never". Default "always".
	DefaultPreference string `json:"default_preference"`
}

func defaultConfig() Config {
	return Config{
		Retention:         365 * 24 * time.Hour,
		CleanupInterval:   time.Hour,
		PageSize:          50,
		MaxPageSize:       250,
		DefaultPreference: prefAlways,
	}
}

// maxPageLimit bounds max_page_size: a page is sent in one go, and a huge
// one would hold the requester's stream for long.
const maxPageLimit = 10000

// Validate checks the limits and the default preference.
func (c *Config) Validate() error {
	switch {
	case c.Retention < 0:
		return errors.New("retention must not be negative (0 keeps messages forever)")
	case c.CleanupInterval <= 0:
		return errors.New("cleanup_interval must be positive")
	case c.PageSize < 1 || c.MaxPageSize < c.PageSize:
		return errors.New("page_size must be at least 1 and at most max_page_size")
	case c.MaxPageSize > maxPageLimit:
		return fmt.Errorf("max_page_size must be at most %d", maxPageLimit)
	case !validDefault(c.DefaultPreference):
		return fmt.Errorf("default_preference must be always, roster or never, not %q", c.DefaultPreference)
	}
	return nil
}
