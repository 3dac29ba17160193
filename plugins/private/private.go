// Package private implements XEP-0049: Private XML Storage.
//
// A client keeps small pieces of XML on its server — bookmarks (XEP-0048),
// its own preferences — each under the namespace of its root element,
// readable and writable by the account's own resources only.
package private

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/pep/pepapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// NS is the namespace of XEP-0049.
const NS = "jabber:iq:private"

// Private is the plugin.
type Private struct {
	settings sdk.Settings[Config]

	// setMu serialises sets, so that two of them cannot both pass the
	// account's quota. Sets are rare (a client saves its bookmarks now and
	// then), so one lock for every account costs nothing noticeable.
	setMu sync.Mutex

	// delegate: pep is loaded and keeps the bookmarks (bookmarks.go).
	delegate atomic.Bool
}

// New returns the plugin.
func New() *Private { return &Private{} }

// Describe declares the one route and the disco feature, and the pep
// methods that keep bookmarks when pep is loaded.
func (p *Private) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { c := defaultConfig(); return &c },
		Name:     "private",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get", "set"}, To: sdk.ToBare, Handle: p.handle},
		},
		Events:   []sdk.EventHandler{{Kind: sdk.ManifestsChanged, Handle: p.manifestsChanged}},
		Features: []string{NS},
		Uses:     pepUses,
	}
}

// Configure decodes the limits and, when the core already lists the
// manifests (on a reload; at start-up they follow with a
// ManifestsChanged), learns whether pep keeps the bookmarks.
func (p *Private) Configure(ctx context.Context, c sdk.Config) error {
	if _, err := p.settings.Configure(c, defaultConfig()); err != nil {
		return err
	}
	if err := p.refreshDelegation(ctx); err != nil {
		c.Logger.Debug("manifests not read yet", "error", err)
	}
	return nil
}

func (p *Private) handle(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if req.To != bareOf(req.From) {
		return nil, stanza.Errorf(stanza.Forbidden, "private data is for its owner only")
	}
	get := req.Stanza.SelectAttrValue("type", "") == "get"
	items := req.Stanza.ChildElements()[0].ChildElements()
	ns, err := namespaceOf(items, get)
	if err != nil {
		return nil, err
	}
	host, cfg := p.settings.Current()
	if ns == pepapi.NSLegacyBookmarks && p.delegate.Load() {
		return p.bookmarks(ctx, host, cfg, req.To, get, items)
	}
	st := store{host.Store(req.To)}
	if get {
		return st.load(ctx, ns, items[0].Tag)
	}
	return nil, p.save(ctx, st, cfg, ns, items)
}

// namespaceOf names the one namespace a request is about (XEP-0049 §2.3):
// a get asks for exactly one element; a set may hold several elements,
// all of one namespace. Namespaces starting with "jabber:" are reserved
// for the protocol itself, as is an element without its own namespace
// (it inherits jabber:iq:private).
func namespaceOf(items []*etree.Element, get bool) (string, error) {
	switch {
	case len(items) == 0:
		return "", stanza.Errorf(stanza.BadRequest, "the query must contain the element to get or set")
	case get && len(items) > 1:
		return "", stanza.Errorf(stanza.BadRequest, "get one namespace at a time")
	}
	ns := items[0].NamespaceURI()
	for _, it := range items[1:] {
		if it.NamespaceURI() != ns {
			return "", stanza.Errorf(stanza.BadRequest, "set one namespace at a time")
		}
	}
	switch {
	case ns == "":
		return "", stanza.Errorf(stanza.NotAcceptable, "the element needs a namespace of its own")
	case strings.HasPrefix(ns, "jabber:"):
		return "", stanza.Errorf(stanza.NotAcceptable, "namespace "+ns+" is reserved")
	}
	return ns, nil
}

// save replaces what the namespace holds, within the limits.
func (p *Private) save(ctx context.Context, st store, cfg Config, ns string, items []*etree.Element) error {
	q := sdk.NewElement(NS, "query")
	for _, it := range items {
		q.AddChild(sdk.Standalone(it))
	}
	b := sdk.MarshalElement(q)
	if len(b) > cfg.MaxItemBytes {
		return stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("private data is limited to %d bytes a namespace", cfg.MaxItemBytes))
	}
	p.setMu.Lock()
	defer p.setMu.Unlock()
	used, err := st.usedBesides(ctx, ns)
	if err != nil {
		return err
	}
	if used+len(b) > cfg.MaxTotalBytes {
		return stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("private data is limited to %d bytes an account", cfg.MaxTotalBytes))
	}
	return st.save(ctx, ns, b)
}

// bareOf strips the resource; the core has prepared the JID.
func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}
