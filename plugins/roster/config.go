package roster

import "errors"

// Config is roster's config section.
type Config struct {
	// MaxItems is how many items one roster may hold; adding one more is
	// refused with not-acceptable.
	MaxItems int `json:"max_items"`
	// MaxNameBytes bounds the length, in bytes of UTF-8, of an item's name
	// and of each of its group names.
	MaxNameBytes int `json:"max_name_bytes"`
	// MaxGroups is how many groups one item may be in.
	MaxGroups int `json:"max_groups"`
}

// defaultConfig is what an absent section means.
func defaultConfig() Config {
	return Config{MaxItems: 1000, MaxNameBytes: 1024, MaxGroups: 100}
}

// Validate refuses limits that would make every roster set fail.
func (c *Config) Validate() error {
	if c.MaxItems < 1 || c.MaxNameBytes < 1 || c.MaxGroups < 1 {
		return errors.New("max_items, max_name_bytes and max_groups must be at least 1")
	}
	return nil
}
