package carbons

// Config is empty: carbons has no settings, and a key given to it is a
// mistake worth reporting.
type Config struct{}

// Validate accepts the empty configuration.
func (Config) Validate() error { return nil }
