package private

import "errors"

// Config is private's config section.
type Config struct {
	// MaxItemBytes bounds what one namespace may hold: the serialized
	// elements of one set. Default 65536 (64 KiB).
	MaxItemBytes int `json:"max_item_bytes"`
	// MaxTotalBytes bounds what one account may hold across all
	// namespaces. Default 1048576 (1 MiB).
	MaxTotalBytes int `json:"max_total_bytes"`
}

func defaultConfig() Config {
	return Config{MaxItemBytes: 64 << 10, MaxTotalBytes: 1 << 20}
}

// Validate checks that the limits are positive and consistent.
func (c *Config) Validate() error {
	if c.MaxItemBytes <= 0 || c.MaxTotalBytes <= 0 {
		return errors.New("max_item_bytes and max_total_bytes must be positive")
	}
	if c.MaxTotalBytes < c.MaxItemBytes {
		return errors.New("max_total_bytes must be at least max_item_bytes")
	}
	return nil
}
