package server

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// PluginSpecs lists the plugins to run: every built-in unless the config
// disables it, except that the built-ins named in optIn run only when the
// config enables them, and every third-party plugin the config names by
// path and does not disable.
func PluginSpecs(cfg *config.Config, builtins, optIn []string) ([]pluginhost.Spec, error) {
	var specs []pluginhost.Spec
	for _, name := range builtins {
		p := cfg.Plugins[name]
		if p.Enabled != nil && !*p.Enabled || p.Enabled == nil && slices.Contains(optIn, name) {
			continue
		}
		if p.Path != "" {
			return nil, fmt.Errorf("plugins.%s: %s is built in; a path is only for third-party plugins (choose another name)", name, name)
		}
		specs = append(specs, pluginhost.Spec{Name: name, Env: runtimeEnv(cfg, p), MaxConcurrent: maxConcurrent(p), Domain: p.Domain, Config: p.Config})
	}
	names := make([]string, 0, len(cfg.Plugins))
	for name := range cfg.Plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := cfg.Plugins[name]
		if slices.Contains(builtins, name) {
			continue
		}
		if p.Path == "" {
			return nil, fmt.Errorf("plugins.%s: no built-in plugin has that name (built-ins: %v), and no path is given", name, builtins)
		}
		if p.Enabled != nil && !*p.Enabled {
			continue
		}
		specs = append(specs, pluginhost.Spec{Name: name, Path: p.Path, SHA256: p.SHA256, Grants: p.Grants, Env: runtimeEnv(cfg, p), MaxConcurrent: maxConcurrent(p), Domain: p.Domain, Config: p.Config})
	}
	return specs, nil
}

func maxConcurrent(p config.Plugin) int {
	if p.MaxConcurrent == 0 {
		return config.DefaultPluginMaxConcurrent
	}
	return p.MaxConcurrent
}

// runtimeEnv is the Go runtime's environment for a plugin process, from
// its gogc and max_procs, and when it returns its free heap to the
// operating system: as the core does, memory.release_after.
func runtimeEnv(cfg *config.Config, p config.Plugin) []string {
	gogc := p.GOGC
	if gogc == 0 {
		gogc = config.DefaultPluginGOGC
	}
	procs := p.MaxProcs
	if procs == 0 {
		procs = config.DefaultPluginMaxProcs(runtime.NumCPU())
	}
	return []string{
		"GOGC=" + strconv.Itoa(gogc),
		"GOMAXPROCS=" + strconv.Itoa(procs),
		pluginv1.ReleaseAfterEnv + "=" + cfg.Memory.ReleaseAfter.String(),
	}
}

// coreManifest is what the core itself contributes to the server's disco
// (XEP-0030): its identity and the protocols it implements without a
// plugin.
func coreManifest() *pluginv1.Manifest {
	return &pluginv1.Manifest{
		Name:            "core",
		ProtocolVersion: pluginv1.ProtocolVersion,
		Identities:      []*pluginv1.Identity{{Category: "server", Type: "im", Name: "Switchboard"}},
		Features: []string{
			"urn:ietf:params:xml:ns:xmpp-sasl",
			"urn:ietf:params:xml:ns:xmpp-bind",
			"urn:ietf:params:xml:ns:xmpp-session",
			"jabber:iq:auth",
			"http://jabber.org/protocol/amp",
			"urn:xmpp:sm:3",
			"urn:xmpp:csi:0",
		},
	}
}
