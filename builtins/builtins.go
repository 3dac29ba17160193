// Package builtins lists the plugins compiled into the switchboard binary.
// The host runs each one by re-executing the binary as `switchboard plugin
// NAME`. The list is an explicit map, not init() registration, so that
// what is built in can be read in one place.
package builtins

import (
	"sort"

	"github.com/switchboard-xmpp/switchboard/plugins/adhoc"
	"github.com/switchboard-xmpp/switchboard/plugins/carbons"
	"github.com/switchboard-xmpp/switchboard/plugins/disco"
	"github.com/switchboard-xmpp/switchboard/plugins/entitytime"
	"github.com/switchboard-xmpp/switchboard/plugins/extdisco"
	"github.com/switchboard-xmpp/switchboard/plugins/last"
	"github.com/switchboard-xmpp/switchboard/plugins/mam"
	"github.com/switchboard-xmpp/switchboard/plugins/muc"
	"github.com/switchboard-xmpp/switchboard/plugins/offline"
	"github.com/switchboard-xmpp/switchboard/plugins/pep"
	"github.com/switchboard-xmpp/switchboard/plugins/ping"
	"github.com/switchboard-xmpp/switchboard/plugins/presence"
	"github.com/switchboard-xmpp/switchboard/plugins/privacy"
	"github.com/switchboard-xmpp/switchboard/plugins/private"
	"github.com/switchboard-xmpp/switchboard/plugins/push"
	"github.com/switchboard-xmpp/switchboard/plugins/register"
	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/plugins/sharedroster"
	"github.com/switchboard-xmpp/switchboard/plugins/stats"
	"github.com/switchboard-xmpp/switchboard/plugins/upload"
	"github.com/switchboard-xmpp/switchboard/plugins/vcard"
	"github.com/switchboard-xmpp/switchboard/plugins/version"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// All returns a constructor for every built-in plugin, by name.
func All() map[string]func() sdk.Plugin {
	return map[string]func() sdk.Plugin{
		"adhoc":        func() sdk.Plugin { return adhoc.New() },
		"carbons":      func() sdk.Plugin { return carbons.New() },
		"disco":        func() sdk.Plugin { return disco.New() },
		"entitytime":   func() sdk.Plugin { return entitytime.New() },
		"extdisco":     func() sdk.Plugin { return extdisco.New() },
		"last":         func() sdk.Plugin { return last.New() },
		"mam":          func() sdk.Plugin { return mam.New() },
		"muc":          func() sdk.Plugin { return muc.New() },
		"offline":      func() sdk.Plugin { return offline.New() },
		"pep":          func() sdk.Plugin { return pep.New() },
		"ping":         func() sdk.Plugin { return ping.New() },
		"presence":     func() sdk.Plugin { return presence.New() },
		"privacy":      func() sdk.Plugin { return privacy.New() },
		"private":      func() sdk.Plugin { return private.New() },
		"push":         func() sdk.Plugin { return push.New() },
		"register":     func() sdk.Plugin { return register.New() },
		"roster":       func() sdk.Plugin { return roster.New() },
		"sharedroster": func() sdk.Plugin { return sharedroster.New() },
		"stats":        func() sdk.Plugin { return stats.New() },
		"upload":       func() sdk.Plugin { return upload.New() },
		"vcard":        func() sdk.Plugin { return vcard.New() },
		"version":      func() sdk.Plugin { return version.New() },
	}
}

// OptIn returns the built-in plugins that run only when the config
// enables them (plugins.<name>.enabled: true): services that need the
// operator's settings before they are of any use.
func OptIn() []string {
	return []string{"upload"}
}

// Names returns the built-in plugin names, sorted.
func Names() []string {
	var names []string
	for n := range All() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
