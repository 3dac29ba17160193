package config

import (
	"encoding/hex"
	"maps"
	"slices"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
)

// validPluginName reports whether name may name a plugin: lower-case
// letters, digits, '-' and '_', because the environment lower-cases names and
// the name becomes part of log names and storage scopes.
func validPluginName(name string) bool {
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_')
		if !ok {
			return false
		}
	}
	return name != ""
}

func (c *Config) validatePlugins(p *problems) {
	names := make([]string, 0, len(c.Plugins))
	for name := range c.Plugins {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		pl, key := c.Plugins[name], "plugins."+name
		if !validPluginName(name) {
			p.addf(key, "plugin names are lower-case letters, digits, '-' and '_', starting with a letter or digit")
		}
		for _, g := range pl.Grants {
			if !slices.Contains(contract.Capabilities(), g) {
				p.addf(key+".grants", "%q is not a capability (known: %v)", g, contract.Capabilities())
			}
		}
		if pl.GOGC < 0 {
			p.addf(key+".gogc", "must be a percentage above 0 (or 0 for the default, %d), got %d", DefaultPluginGOGC, pl.GOGC)
		}
		if pl.MaxProcs < 0 {
			p.addf(key+".max_procs", "must be a number of cores (or 0 for the default), got %d", pl.MaxProcs)
		}
		if pl.MaxConcurrent < 0 {
			p.addf(key+".max_concurrent", "must be a number of stanzas (or 0 for the default), got %d", pl.MaxConcurrent)
		}
		if len(pl.Grants) > 0 && pl.Path == "" {
			p.addf(key+".grants", "built-in plugins have every capability; grants are for plugins with a path")
		}
		if pl.Domain != "" {
			if d, err := jidprep.Parse(pl.Domain); err != nil || d.Local != "" || d.Resource != "" || d.String() != pl.Domain {
				p.addf(key+".domain", "must be a domain name in its prepared form (lower case), got %q", pl.Domain)
			} else if slices.Contains(c.Hosted(), pl.Domain) {
				p.addf(key+".domain", "is a domain the server hosts; a service needs a domain of its own, such as conference.%s", pl.Domain)
			}
		}
		if pl.SHA256 == "" {
			continue
		}
		if b, err := hex.DecodeString(pl.SHA256); err != nil || len(b) != 32 {
			p.addf(key+".sha256", "must be 64 hexadecimal digits, got %q", pl.SHA256)
		}
		if pl.Path == "" {
			p.addf(key+".sha256", "pins an executable, so %s.path must be set", key)
		}
	}
}

func (c *Config) validateComponents(p *problems) {
	if c.Listen.Component != "" && len(c.Components) == 0 {
		p.addf("listen.component", "is set, but no component is configured under components")
	}
	domains := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(c.Components)) {
		cp, key := c.Components[name], "components."+name
		if !validPluginName(name) {
			p.addf(key, "component names are lower-case letters, digits, '-' and '_', starting with a letter or digit")
		}
		if d, err := jidprep.Parse(cp.Domain); err != nil || d.Local != "" || d.Resource != "" || d.String() != cp.Domain || slices.Contains(c.Hosted(), cp.Domain) {
			p.addf(key+".domain", "must be a domain of its own in its prepared form (lower case), not the server's, got %q", cp.Domain)
		} else if other, ok := domains[cp.Domain]; ok {
			p.addf(key+".domain", "%s is components.%s's domain already", cp.Domain, other)
		}
		domains[cp.Domain] = name
		if cp.Secret == "" {
			p.addf(key+".secret", "must not be empty: it is all a component authenticates with")
		}
	}
}
