// Package version implements XEP-0092: Software Version, for the server.
//
// The server tells who asks its software's name, version and operating
// system, which the operator may hide. A version request to a user's
// resource is that client's to answer and never reaches this plugin.
package version

import (
	"context"
	"runtime"
	"sync"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NS is the namespace of XEP-0092.
const NS = "jabber:iq:version"

// Version is the plugin.
type Version struct {
	mu  sync.Mutex
	cfg Config
}

// New returns the plugin.
func New() *Version { return &Version{cfg: defaultConfig()} }

// Describe declares the one route and the disco feature.
func (v *Version) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { c := defaultConfig(); return &c },
		Name:     "version",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToServer, Handle: v.handle},
		},
		Features: []string{NS},
	}
}

// Configure decodes the section; an empty version or os means the
// build's.
func (v *Version) Configure(_ context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	if cfg.Version == "" {
		cfg.Version = sdk.BuildVersion()
	}
	if cfg.OS == "" {
		cfg.OS = runtime.GOOS + "/" + runtime.GOARCH
	}
	v.mu.Lock()
	v.cfg = cfg
	v.mu.Unlock()
	return nil
}

// handle answers with name, version and, unless hidden, os (XEP-0092 §2).
func (v *Version) handle(context.Context, *sdk.Request) (*etree.Element, error) {
	v.mu.Lock()
	cfg := v.cfg
	v.mu.Unlock()
	q := sdk.NewElement(NS, "query")
	q.CreateElement("name").SetText(cfg.Name)
	q.CreateElement("version").SetText(cfg.Version)
	if cfg.ShowOS {
		q.CreateElement("os").SetText(cfg.OS)
	}
	return q, nil
}
