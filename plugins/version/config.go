package version

import "errors"

// Config is version's config section.
type Config struct {
	// Name is the software's name in answers.
	Name string `json:"name"`
	// Version is the software's version in answers; empty means the
	// version the binary was built as.
	Version string `json:"version"`
	// ShowOS adds the operating system and architecture ("linux/amd64").
	// Off by default: it tells an attacker more than it tells a user.
	ShowOS bool `json:"show_os"`
}

func defaultConfig() Config { return Config{Name: "Switchboard"} }

// Validate requires a name.
func (c *Config) Validate() error {
	if c.Name == "" {
		return errors.New("name must not be empty")
	}
	return nil
}
