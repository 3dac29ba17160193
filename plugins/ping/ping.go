// Package ping implements XEP-0199: XMPP Ping.
//
// The server answers a ping addressed to it with an empty result, which is
// how clients check that their stream is alive. A ping without 'to', or to
// the sender's own bare JID, is addressed to the sender's account, which
// the server answers for (RFC 6120 §10.3.3, RFC 6121 §8.5.2.1.3); many
// clients ping that way. Pings to other users' resources go to their
// clients like any IQ and never reach this plugin.
package ping

import (
	"context"
	"strings"

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

// Describe declares the routes, to the server and to the sender's own
// account, and the disco feature.
func (p *Ping) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { return &Config{} },
		Name:     "ping",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToServer, Handle: p.handlePing},
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToBare, Handle: p.handleOwnPing},
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

// handleOwnPing answers a ping to the sender's own account as the server
// answers for it. A ping to another account's bare JID is declined: the
// core answers service-unavailable, the same whether the account exists or
// not (RFC 6121 §8.5.1), so that pinging does not tell which accounts exist.
func (p *Ping) handleOwnPing(_ context.Context, req *sdk.Request) (*etree.Element, error) {
	if own, _, _ := strings.Cut(req.From, "/"); req.To != own {
		return nil, sdk.ErrNotMine
	}
	return nil, nil
}
