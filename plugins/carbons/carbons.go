// Package carbons implements XEP-0280: Message Carbons.
//
// The plugin only answers enable and disable: it switches the session's
// "carbons" option in the core, which from then on copies the account's
// chat messages to that session on its own, without a plugin call per
// message (docs/ARCHITECTURE.md, rule 1).
package carbons

import (
	"context"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// NS is the namespace of XEP-0280.
const NS = "urn:xmpp:carbons:2"

// Carbons is the plugin.
type Carbons struct {
	host sdk.Host
}

// New returns the plugin.
func New() *Carbons { return &Carbons{} }

// Describe declares the enable/disable route and the disco feature.
func (c *Carbons) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { return &Config{} },
		Name:     "carbons",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes:   []sdk.Route{{Kind: sdk.IQ, Namespace: NS, Types: []string{"set"}, To: sdk.ToBare, Handle: c.handle}},
		Features: []string{NS},
	}
}

// Configure keeps the host; carbons has no settings.
func (c *Carbons) Configure(_ context.Context, cfg sdk.Config) error {
	var none Config
	if err := cfg.Decode(&none); err != nil {
		return err
	}
	c.host = cfg.Host
	return nil
}

// handle switches the option for the requesting session (XEP-0280 §4).
func (c *Carbons) handle(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if !req.ToOmitted && req.To != bareOf(req.From) {
		return nil, stanza.Errorf(stanza.Forbidden, "carbons can only be switched for your own sessions")
	}
	var enable bool
	switch req.Stanza.ChildElements()[0].Tag {
	case "enable":
		enable = true
	case "disable":
	default:
		return nil, stanza.Errorf(stanza.BadRequest, "expected <enable/> or <disable/>")
	}
	if err := c.host.SetSessionOption(ctx, req.From, "carbons", enable); err != nil {
		return nil, err
	}
	return nil, nil
}

func bareOf(jid string) string {
	for i := 0; i < len(jid); i++ {
		if jid[i] == '/' {
			return jid[:i]
		}
	}
	return jid
}
