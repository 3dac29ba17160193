// Package ping implements XEP-0199: XMPP Ping.
//
// The server answers a ping addressed to it with an empty result, which is
// how clients check that their stream is alive. Pings to other users go to
// their clients like any IQ and never reach this plugin.
package ping

import (
	"context"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NS is the namespace of XEP-0199.
const NS = "urn:xmpp:ping"

// Ping is the plugin. It keeps no state: a ping needs nothing but an
// answer.
type Ping struct{}

// New returns the plugin.
func New() *Ping { return &Ping{} }

// Describe declares the one route and the disco feature.
func (p *Ping) Describe() sdk.Description {
	return sdk.Description{
		Name:    "ping",
		Version: "1.0.0",
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToServer, Handle: p.handlePing},
		},
		Features: []string{NS},
	}
}

// Configure only checks that the section is empty: ping has no settings,
// and a key given to it is a mistake worth reporting.
func (p *Ping) Configure(_ context.Context, c sdk.Config) error {
	var cfg Config
	return c.Decode(&cfg)
}

// handlePing answers with an empty result (XEP-0199 §4.2).
func (p *Ping) handlePing(context.Context, *sdk.Request) (*etree.Element, error) {
	return nil, nil
}
