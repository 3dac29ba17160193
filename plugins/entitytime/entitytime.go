// Package entitytime implements XEP-0202: Entity Time, for the server.
//
// The server answers with its time zone's offset and the time in UTC. The
// plugin, like its package, is named entitytime after the XEP's title
// rather than time, so that it does not shadow the standard library's
// package in the code that imports it.
package entitytime

import (
	"context"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NS is the namespace of XEP-0202.
const NS = "urn:xmpp:time"

// EntityTime is the plugin.
type EntityTime struct {
	now func() time.Time // the clock; fixed by tests

	mu  sync.Mutex
	loc *time.Location
}

// New returns the plugin, answering in the server's local time zone until
// configured otherwise.
func New() *EntityTime { return &EntityTime{now: time.Now, loc: time.Local} }

// Describe declares the one route and the disco feature.
func (e *EntityTime) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { return &Config{Timezone: "Local"} },
		Name:     "entitytime",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToServer, Handle: e.handle},
		},
		Features: []string{NS},
	}
}

// Configure decodes the section and loads its time zone.
func (e *EntityTime) Configure(_ context.Context, c sdk.Config) error {
	cfg := Config{Timezone: "Local"}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	loc, err := cfg.location()
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.loc = loc
	e.mu.Unlock()
	return nil
}

// handle answers with the time zone's offset and the time in UTC
// (XEP-0202 §3, in the formats of XEP-0082).
func (e *EntityTime) handle(context.Context, *sdk.Request) (*etree.Element, error) {
	e.mu.Lock()
	loc := e.loc
	e.mu.Unlock()
	now := e.now()
	q := sdk.NewElement(NS, "time")
	q.CreateElement("tzo").SetText(now.In(loc).Format("-07:00"))
	q.CreateElement("utc").SetText(now.UTC().Format("2006-01-02T15:04:05Z"))
	return q, nil
}
