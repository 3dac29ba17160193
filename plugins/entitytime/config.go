package entitytime

import (
	"fmt"
	"time"
)

// Config is entitytime's config section.
type Config struct {
	// Timezone is the IANA name of the zone whose offset the server gives
	// ("Europe/Paris"), "UTC", or "Local" for the zone of the machine.
	// Names other than UTC and Local need the system's zoneinfo files.
	Timezone string `json:"timezone"`
}

// Validate checks that the zone can be loaded.
func (c *Config) Validate() error {
	_, err := c.location()
	return err
}

func (c *Config) location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "" {
		return nil, fmt.Errorf("timezone %q: not a time zone this machine knows (an IANA name such as Europe/Paris, UTC or Local)", c.Timezone)
	}
	return loc, nil
}
