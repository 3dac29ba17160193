package privacy

import "errors"

// Config is privacy's config section.
type Config struct {
	// BlocklistName names the privacy list created to hold the block list
	// (XEP-0191) of a user who blocks someone while having no default
	// list; it becomes the default list.
	BlocklistName string `json:"blocklist_name"`
	// MaxLists caps the privacy lists one user may keep.
	MaxLists int `json:"max_lists"`
	// MaxItems caps the items of one list, blocked JIDs included.
	MaxItems int `json:"max_items"`
}

func defaultConfig() Config {
	return Config{BlocklistName: "Blocked contacts", MaxLists: 20, MaxItems: 1000}
}

// Validate checks the limits.
func (c *Config) Validate() error {
	switch {
	case c.BlocklistName == "":
		return errors.New("blocklist_name must not be empty")
	case c.MaxLists < 1:
		return errors.New("max_lists must be at least 1")
	case c.MaxItems < 1:
		return errors.New("max_items must be at least 1")
	}
	return nil
}
