package presence

import "errors"

// Config is presence's config section.
type Config struct {
	// MaxDirected bounds how many distinct addresses one session may send
	// directed presence to: each is remembered until the session goes
	// unavailable, to be told so. Directed presence to more is dropped.
	MaxDirected int `json:"max_directed"`
}

func defaultConfig() Config { return Config{MaxDirected: 1000} }

// Validate refuses a bound that would drop every directed presence.
func (c *Config) Validate() error {
	if c.MaxDirected < 1 {
		return errors.New("max_directed must be at least 1")
	}
	return nil
}
