package offline

import "errors"

// Config is offline's config section.
type Config struct {
	// MaxMessages is how many messages one account's queue holds; past it
	// a message is refused with service-unavailable (XEP-0160 §2), which
	// the sender sees. Default 100.
	MaxMessages int `json:"max_messages"`
}

func defaultConfig() Config { return Config{MaxMessages: 100} }

// Validate checks that the queue can hold something.
func (c *Config) Validate() error {
	if c.MaxMessages <= 0 {
		return errors.New("max_messages must be positive")
	}
	return nil
}
