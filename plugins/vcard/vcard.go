// Package vcard implements XEP-0054: vcard-temp.
//
// Each account publishes one vCard, which the server keeps and hands out
// on the account's behalf: to its owner, who may change it, and to anyone
// who asks for it at the account's bare JID. The avatar it may carry is
// what XEP-0153 advertises in presence; the plugin offers its hash to the
// presence plugin as a method.
package vcard

import (
	"context"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// NS is the namespace of XEP-0054.
const NS = "vcard-temp"

// VCard is the plugin.
type VCard struct {
	settings sdk.Settings[Config]
}

// New returns the plugin.
func New() *VCard { return &VCard{} }

// Describe declares the routes, the disco feature and the avatar_hash
// method (avatar.go).
func (v *VCard) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { c := defaultConfig(); return &c },
		Name:     "vcard",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToBare, Handle: v.get},
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"set"}, To: sdk.ToBare, Handle: v.set},
		},
		Features: []string{NS},
		Provides: []sdk.Method{{Name: "avatar_hash", Handle: v.avatarHash}},
	}
}

// Configure decodes the size limit.
func (v *VCard) Configure(_ context.Context, c sdk.Config) error {
	_, err := v.settings.Configure(c, defaultConfig())
	return err
}

// get answers for the account the IQ is addressed to (XEP-0054 §3.1 and
// §3.3). Its owner without a vCard gets an empty one; anyone else gets
// item-not-found, the same whether the account has no vCard or does not
// exist, so that asking does not tell which accounts exist (§3.3 wants one
// condition for both). Clients read item-not-found as "no vCard", as
// Prosody answers it; service-unavailable they show as an error.
func (v *VCard) get(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if _, err := vcardOf(req); err != nil {
		return nil, err
	}
	host, _ := v.settings.Current()
	card, err := store{host.Store(req.To)}.load(ctx)
	switch {
	case err != nil:
		return nil, err
	case card != nil:
		return card, nil
	case req.To == bareOf(req.From):
		return sdk.NewElement(NS, "vCard"), nil
	}
	return nil, stanza.New(stanza.ItemNotFound)
}

// set replaces the sender's own vCard (XEP-0054 §3.2); an empty one
// removes it.
func (v *VCard) set(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if req.To != bareOf(req.From) {
		return nil, stanza.Errorf(stanza.Forbidden, "a vCard can only be set by its owner")
	}
	el, err := vcardOf(req)
	if err != nil {
		return nil, err
	}
	host, cfg := v.settings.Current()
	st := store{host.Store(req.To)}
	if len(el.ChildElements()) == 0 {
		return nil, st.remove(ctx)
	}
	b := sdk.MarshalElement(sdk.Standalone(el))
	if len(b) > cfg.MaxBytes {
		return nil, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("a vCard is limited to %d bytes", cfg.MaxBytes))
	}
	return nil, st.save(ctx, b)
}

// vcardOf returns the request's <vCard/>: the route matched its namespace,
// not its name.
func vcardOf(req *sdk.Request) (*etree.Element, error) {
	el := req.Stanza.ChildElements()[0]
	if el.Tag != "vCard" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected a vCard element")
	}
	return el, nil
}

// bareOf strips the resource; the core has prepared the JID.
func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}
