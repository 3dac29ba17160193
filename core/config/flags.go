package config

import (
	"github.com/knadh/koanf/providers/posflag"
	"github.com/spf13/pflag"
)

// flagKeyAnnotation marks a flag with the key it sets, so Load needs no table
// of its own and a caller may map further flags the same way.
const flagKeyAnnotation = "switchboard/config-key"

// Flags chooses which of the common flags a command takes, so that its
// help lists only what it uses.
type Flags uint8

const (
	// StorageFlags: the domain, data directory, storage and log level,
	// for every command that opens the store or loads the configuration.
	StorageFlags Flags = 1 << iota
	// ListenerFlags: the listeners, for the commands that run a server or
	// check the configuration of one.
	ListenerFlags
)

// RegisterFlags adds the common flags of which to fs. Each overrides its
// key only when given on the command line; --config is left to the caller.
func RegisterFlags(fs *pflag.FlagSet, which Flags) {
	for _, f := range []struct {
		group            Flags
		name, key, usage string
	}{
		{StorageFlags, "domain", "domain", "XMPP domain this server hosts"},
		{StorageFlags, "data-dir", "data_dir", "directory for the database and generated certificates"},
		{ListenerFlags, "listen-c2s", "listen.c2s", `address for client connections with STARTTLS ("" disables)`},
		{ListenerFlags, "listen-c2s-tls", "listen.c2s_tls", `address for client connections with direct TLS ("" disables)`},
		{ListenerFlags, "listen-websocket", "listen.websocket", `address for XMPP over WebSocket on HTTPS ("" disables)`},
		{StorageFlags, "log-level", "log.level", "trace, debug, info, warn or error"},
		{StorageFlags, "storage-driver", "storage.driver", "storage driver: sqlite or postgres"},
		{StorageFlags, "storage-dsn", "storage.dsn", "storage DSN (empty: <data-dir>/switchboard.db for sqlite)"},
	} {
		if which&f.group == 0 {
			continue
		}
		// No default value: an unset flag defers to the lower layers, and the
		// help text should not claim a default that the config file may change.
		fs.String(f.name, "", f.usage+" (config key "+f.key+")")
		fs.Lookup(f.name).Annotations = map[string][]string{flagKeyAnnotation: {f.key}}
	}
}

// flagLayer returns the keys set by the flags that were given on the command
// line, as a nested map.
func flagLayer(fs *pflag.FlagSet) (map[string]any, error) {
	p := posflag.ProviderWithFlag(fs, ".", nil, func(f *pflag.Flag) (string, any) {
		keys := f.Annotations[flagKeyAnnotation]
		if len(keys) != 1 {
			return "", nil // not ours (--config, --help …)
		}
		return keys[0], posflag.FlagVal(fs, f)
	})
	return p.Read()
}
