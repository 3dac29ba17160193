package sharedroster

import (
	"errors"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"
)

// Config is sharedroster's config section.
type Config struct {
	// Groups are the shared groups: every member has every other member
	// of each of its groups in its roster, under the group's name, with
	// subscription both. A member may be in several groups.
	Groups []Group `json:"groups"`
	// MaxExtraBytes bounds the extra data kept about one contact
	// (jabber:iq:roster-dynamic), as serialized XML; larger is refused
	// with not-acceptable.
	MaxExtraBytes int `json:"max_extra_bytes"`
}

// Group is one shared group.
type Group struct {
	// Name is the roster group the members appear under. Required, unique.
	Name string `json:"name"`
	// Members are the accounts of the group, by bare JID.
	Members []string `json:"members"`
}

// maxGroupName is the longest group name, in bytes: roster's default
// limit for the names clients give.
const maxGroupName = 1024

func defaultConfig() Config {
	return Config{MaxExtraBytes: 4096}
}

// Validate checks the groups: names present, unique and not too long,
// members bare JIDs of accounts, each listed once per group. Whether the
// members are accounts of the served domain is checked by Configure,
// which knows it.
func (c *Config) Validate() error {
	if c.MaxExtraBytes < 1 {
		return errors.New("max_extra_bytes must be at least 1")
	}
	names := map[string]bool{}
	for i, g := range c.Groups {
		switch {
		case strings.TrimSpace(g.Name) == "":
			return fmt.Errorf("groups[%d]: a group needs a name", i)
		case len(g.Name) > maxGroupName:
			return fmt.Errorf("groups[%d]: the name is longer than %d bytes", i, maxGroupName)
		case names[g.Name]:
			return fmt.Errorf("groups[%d]: the name %q is used twice", i, g.Name)
		}
		names[g.Name] = true
		seen := map[string]bool{}
		for k, m := range g.Members {
			j, err := jid.Parse(m)
			if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
				return fmt.Errorf("groups[%d].members[%d]: %q is not the bare JID of an account", i, k, m)
			}
			if seen[j.String()] {
				return fmt.Errorf("groups[%d].members[%d]: %s is listed twice", i, k, m)
			}
			seen[j.String()] = true
		}
	}
	return nil
}
