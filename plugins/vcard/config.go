package vcard

import "errors"

// Config is vcard's config section.
type Config struct {
	// MaxBytes bounds a stored vCard, serialized, avatar included (its
	// base64 BINVAL counts four bytes for every three of image). Default
	// 65536 (64 KiB): room for the 96×96 avatars clients make.
	MaxBytes int `json:"max_bytes"`
}

func defaultConfig() Config { return Config{MaxBytes: 64 << 10} }

// Validate checks that the limit is positive.
func (c *Config) Validate() error {
	if c.MaxBytes <= 0 {
		return errors.New("max_bytes must be positive")
	}
	return nil
}
