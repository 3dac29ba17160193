// Package push implements XEP-0357: Push Notifications.
//
// A client on a phone registers an app server node (enable); when a
// message is stored for its account because no session could take it, or
// reaches it while every session of it waits for its client to resume it
// (XEP-0198), the server publishes a summary to that node, and the app
// server wakes the phone through its vendor's push service. The offline
// plugin says when a message was stored (offlineapi.TopicStored), the
// core when one was held (sdk.MessageHeld).
package push

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/offline/offlineapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// NS is the namespace of XEP-0357.
const NS = "urn:xmpp:push:0"

// Push is the plugin.
type Push struct {
	mu   sync.Mutex // guards host and cfg, replaced by a reload
	host sdk.Host
	cfg  Config

	bursts   bursts
	failures failures
	now      func() time.Time
}

// New returns the plugin.
func New() *Push {
	return &Push{cfg: defaultConfig(), bursts: bursts{byOwner: map[string]*burst{}}, now: time.Now}
}

// Describe declares enable and disable, the events that drive
// notifications and the account's disco feature.
func (p *Push) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "push",
		Version: "1.0.0",
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"set"}, To: sdk.ToBare, Handle: p.handle},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.Published, Topic: offlineapi.Plugin + "." + offlineapi.TopicStored, Handle: p.stored},
			{Kind: sdk.MessageHeld, Handle: p.held},
			{Kind: sdk.SessionAvailable, Handle: p.available},
			{Kind: sdk.SessionResumed, Handle: p.available},
		},
		AccountFeatures: []string{NS},
	}
}

// Configure decodes the config.
func (p *Push) Configure(_ context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	p.mu.Lock()
	p.host, p.cfg = c.Host, cfg
	p.mu.Unlock()
	return nil
}

func (p *Push) current() (sdk.Host, Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host, p.cfg
}

// handle enables or disables an app server node (XEP-0357 §5, §6).
func (p *Push) handle(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	owner := bareOf(req.From)
	if req.To != owner {
		return nil, stanza.Errorf(stanza.Forbidden, "push is enabled for one's own account")
	}
	host, cfg := p.current()
	st := host.Store(owner)
	el := req.Stanza.ChildElements()[0]
	jid, node := el.SelectAttrValue("jid", ""), el.SelectAttrValue("node", "")
	if jid == "" || strings.ContainsAny(jid, " \t\r\n") || len(jid) > 3071 || len(node) > 1024 {
		return nil, stanza.Errorf(stanza.BadRequest, "jid must be the app server's JID")
	}
	switch el.Tag {
	case "enable":
		return nil, p.enable(ctx, st, cfg, el, jid, node)
	case "disable":
		return nil, p.disable(ctx, st, jid, node)
	}
	return nil, stanza.Errorf(stanza.BadRequest, "expected <enable/> or <disable/>")
}

func (p *Push) enable(ctx context.Context, st sdk.Store, cfg Config, el *etree.Element, jid, node string) error {
	if node == "" {
		return stanza.Errorf(stanza.BadRequest, "node is required")
	}
	reg := registration{JID: jid, Node: node}
	if x := el.SelectElement("x"); x != nil && x.NamespaceURI() == nsData {
		reg.Options = string(sdk.MarshalElement(x))
	}
	regs, err := registrations(ctx, st)
	if err != nil {
		return err
	}
	known := false
	for _, r := range regs {
		known = known || r.JID == jid && r.Node == node
	}
	if !known && len(regs) >= cfg.MaxRegistrations {
		return stanza.Errorf(stanza.ResourceConstraint, "too many push registrations for this account")
	}
	b, err := marshal(reg)
	if err != nil {
		return err
	}
	return st.Put(ctx, keyOf(jid, node), b)
}

// disable removes one node of the app server, or all of them when no
// node is named.
func (p *Push) disable(ctx context.Context, st sdk.Store, jid, node string) error {
	regs, err := registrations(ctx, st)
	if err != nil {
		return err
	}
	for _, r := range regs {
		if r.JID == jid && (node == "" || r.Node == node) {
			if err := st.Delete(ctx, keyOf(r.JID, r.Node)); err != nil {
				return err
			}
		}
	}
	return nil
}

// available ends the account's burst: the user is back (initial
// presence, or a resumed session), and the next message counts from one
// again.
func (p *Push) available(_ context.Context, ev sdk.Event) error {
	p.bursts.reset(bareOf(ev.JID), p.now())
	return nil
}

func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}
