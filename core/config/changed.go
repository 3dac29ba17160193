package config

import (
	"reflect"
	"slices"
	"strings"
)

// Changed returns the keys whose values differ between old and next, in
// order, down to the leaves ("limits.max_resources", "plugins.vcard.enabled",
// "plugins.motd.config": a plugin's own section counts as one key).
func Changed(old, next *Config) []string {
	var keys []string
	diff("", toMap(reflect.ValueOf(old).Elem()), toMap(reflect.ValueOf(next).Elem()), &keys)
	slices.Sort(keys)
	return keys
}

// diff adds the keys that differ below prefix; a key on one side only (a
// plugin's section added or removed, a setting left unset) is one key.
func diff(prefix string, a, b map[string]any, keys *[]string) {
	for k, av := range a {
		if bv, ok := b[k]; ok {
			compare(prefix+k, av, bv, keys)
		} else {
			*keys = append(*keys, prefix+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			*keys = append(*keys, prefix+k)
		}
	}
}

func compare(key string, a, b any, keys *[]string) {
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	// A plugin's config is its own: the plugin is reconfigured as a whole.
	pluginConfig := strings.HasPrefix(key, "plugins.") && strings.HasSuffix(key, ".config")
	if (aIsMap || bIsMap) && !pluginConfig {
		diff(key+".", am, bm, keys)
		return
	}
	if !reflect.DeepEqual(a, b) {
		*keys = append(*keys, key)
	}
}

// LiveKey says whether a key is one a running server applies on reload (SIGHUP);
// a change to any other needs a restart.
func LiveKey(key string) bool {
	// The certificate's files are read again on reload, but from the
	// paths the server started with: new paths need a restart.
	return strings.HasPrefix(key, "plugins.") || key == "log.level" || key == "admin.token"
}
