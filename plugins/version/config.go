package version

import "errors"

// Config is version's config section.
type Config struct {
	// Name is the software's name in answers.
	Name string `json:"name"`
	// Version is the software's version in answers; empty means the
	// version the binary was built as.
	Version string `json:"version"`
	// ShowOS adds the operating system (XEP-0092 §2). On by default, as
	// with Prosody and ejabberd, since clients show it; XEP-0092 §5 wants
	// a way to turn it off, and this is it.
	ShowOS bool `json:"show_os"`
	// OS is what <os/> says; empty means the platform the binary was
	// built for ("linux/amd64").
	OS string `json:"os"`
}

func defaultConfig() Config { return Config{Name: "Switchboard", ShowOS: true} }

// Validate requires a name.
func (c *Config) Validate() error {
	if c.Name == "" {
		return errors.New("name must not be empty")
	}
	return nil
}
