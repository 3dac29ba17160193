package last

// Config is last's config section. It has no keys; it exists so that a key
// given by mistake is an error that names it.
type Config struct{}

// Validate accepts the empty config.
func (c *Config) Validate() error { return nil }
