// Package router delivers stanzas from bound client sessions per RFC 6121
// §8: to the server, to an account's bare JID, or to a full JID. A stanza
// that only passes through is forwarded as the bytes it arrived as, with
// the sender's address stamped in; no DOM is built for it.
package router

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/filter"
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/metrics"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
	"github.com/switchboard-xmpp/switchboard/sdk/stanzaid"
)

// Accounts answers whether an account exists, to tell "no such user" from
// "user offline" (RFC 6121 §8.5.1 and §8.5.2.2).
type Accounts interface {
	Exists(ctx context.Context, domain, username string) (bool, error)
}

// Handlers is what the router asks before falling back to the RFC's default
// handling. The plugin host implements it; a nil Handlers means no plugins.
type Handlers interface {
	// Handle offers a stanza addressed to the server, or handled by the
	// server on an account's behalf, to whatever claimed its route. It
	// reports whether something took it.
	Handle(ctx context.Context, from *session.Session, el *stream.Element, to jidprep.JID) bool
	// Claims reports, from what is in memory, whether Handle would give
	// el to a plugin, so that the router can take that call off the
	// client's reader.
	Claims(from *session.Session, el *stream.Element, to jidprep.JID) bool
	// Undeliverable offers a message that no resource can take right now
	// (RFC 6121 §8.5.2.2), for example to offline storage. It reports
	// whether it was taken; if not the router bounces or drops it. from is
	// nil when the server itself sent the message.
	Undeliverable(ctx context.Context, from *session.Session, el *stream.Element, to jidprep.JID) bool
	// ClaimsUndeliverable is Claims for Undeliverable.
	ClaimsUndeliverable(el *stream.Element) bool
	// Service offers a stanza addressed to a domain other than the
	// server's to the service that owns it (a plugin with a domain of its
	// own); false when no service owns that domain. from is nil when the
	// server itself sends (Deliver): only a component takes that.
	Service(ctx context.Context, from *session.Session, el *stream.Element, to jidprep.JID) bool
	// ClaimsService is Claims for Service: whether Service would give el
	// to a plugin.
	ClaimsService(el *stream.Element, to jidprep.JID) bool
	// ServiceDomain reports whether a service owns domain: the server
	// routes stanzas from its JIDs as its own.
	ServiceDomain(domain string) bool
	// MessageHeld reports a chat or normal message that reached owner's
	// account while none of its sessions is attached (see
	// session.Session.Detached); msg is the message as delivered, lent
	// for the call. It must not block.
	MessageHeld(owner string, msg []byte)
}

// Router routes stanzas between local sessions.
type Router struct {
	domain   string          // the primary hosted domain: the server's own voice
	hosted   map[string]bool // every hosted domain, the primary included
	sessions *session.Table
	accounts Accounts
	handlers Handlers
	filters  *filter.Table
	archive  Archive
	ids      *stanzaid.Generator
	remote   Remote // nil: no federation
	log      hclog.Logger
	metrics  *metrics.Metrics // nil: nothing counted
}

// SetMetrics has the router count what it routes and bounces; it must be
// called before the first stanza.
func (r *Router) SetMetrics(m *metrics.Metrics) { r.metrics = m }

// New returns a router for the hosted domains, the primary one first.
// handlers may be nil. archive may be nil.
func New(domains []string, sessions *session.Table, accounts Accounts, handlers Handlers, filters *filter.Table, archive Archive, log hclog.Logger) *Router {
	hosted := make(map[string]bool, len(domains))
	for _, d := range domains {
		hosted[d] = true
	}
	return &Router{domain: domains[0], hosted: hosted, sessions: sessions, accounts: accounts, handlers: handlers, filters: filters, archive: archive, ids: stanzaid.NewGenerator(), log: log}
}

// local reports whether domain is hosted here: its users are routed by
// RFC 6121 §8 in this process, whichever hosted domain sends to them.
func (r *Router) local(domain string) bool { return r.hosted[domain] }

// Route handles a stanza from a bound session whose from address the
// caller has verified. buf is scratch space owned by the caller's goroutine;
// Route returns it, possibly grown, for reuse. With later, the plugin call
// a stanza needs, and whatever routing follows it, is handed to later
// instead of being made here (see Deferrer); with nil, Route makes it.
func (r *Router) Route(ctx context.Context, from *session.Session, el *stream.Element, buf []byte, later Deferrer) []byte {
	r.metrics.Routed(el.Name.Local)
	d := delivery{r: r, ctx: ctx, from: from, sender: from.Full, senderJID: from.JID, el: el, buf: buf[:0], typ: el.Attr("type"), later: later}
	d.route()
	return d.buf
}

// Deliver routes a stanza that the server itself sends, on its own behalf,
// a local user's or a service's (plugins and components do). Its 'from'
// is kept as it is, absent included (RFC 6120 §8.1.2.1: a reply on behalf
// of the client's own account may carry none); it must name the server's
// domain or a service domain, or, with federation, a remote sender whose
// stanza a plugin relays to a local user. It goes to a local user or, with
// federation, to another server (stamped with the server's domain when it
// has no 'from'). Nothing is bounced: a server-sent stanza that cannot be
// delivered locally is dropped, or offered to the handlers'
// Undeliverable.
func (r *Router) Deliver(ctx context.Context, el *stream.Element, buf []byte) ([]byte, error) {
	to, err := jidprep.Parse(el.Attr("to"))
	if err != nil {
		return buf, fmt.Errorf("delivering a stanza from the server: bad 'to' %q: %w", el.Attr("to"), err)
	}
	sender, senderJID, remote := "", jidprep.JID{Domain: r.domain}, false
	if raw := el.Attr("from"); raw != "" {
		from, err := jidprep.Parse(raw)
		local := err == nil && (r.local(from.Domain) || r.handlers != nil && r.handlers.ServiceDomain(from.Domain))
		// A plugin may relay what another server sent to a local user
		// (a subscription request, once roster has recorded it).
		remote = err == nil && !local && r.remote != nil && r.local(to.Domain)
		if !local && !remote {
			return buf, fmt.Errorf("a stanza from the server may only come from a hosted domain, its users or its services, not %q", raw)
		}
		sender, senderJID = from.String(), from
	}
	d := delivery{r: r, ctx: ctx, sender: sender, senderJID: senderJID, el: el, buf: buf[:0], typ: el.Attr("type"), to: to, remote: remote}
	if !r.local(to.Domain) && r.remote != nil && (r.handlers == nil || !r.handlers.ServiceDomain(to.Domain)) {
		if d.blockedOutbound(el.Name.Local) {
			return d.buf, nil
		}
		d.toRemote()
		return d.buf, nil
	}
	if !r.local(to.Domain) && r.handlers != nil && r.handlers.ServiceDomain(to.Domain) {
		// To an external component (XEP-0114): an app server that push
		// notifications go to, say. A service plugin takes stanzas from
		// sessions only.
		if d.blockedOutbound(el.Name.Local) {
			return d.buf, nil
		}
		if !r.handlers.Service(ctx, nil, el, to) {
			return buf, fmt.Errorf("a stanza from the server can go to a service domain only when a component owns it, not to %q", el.Attr("to"))
		}
		return d.buf, nil
	}
	if !r.local(to.Domain) || to.Local == "" {
		return buf, fmt.Errorf("a stanza from the server can only go to local users, components or other servers, not %q", el.Attr("to"))
	}
	// A plugin relaying a user's stanza (a presence broadcast) is held to
	// that user's own rules, as the user's client would be.
	if d.blockedOutbound(el.Name.Local) {
		return d.buf, nil
	}
	if to.Resource != "" {
		d.toFull(el.Name.Local)
	} else {
		d.toBare(el.Name.Local)
	}
	return d.buf, nil
}

// delivery carries one stanza through the routing decisions.
type delivery struct {
	r         *Router
	ctx       context.Context
	from      *session.Session // the sending session; nil when the server sends
	sender    string           // the 'from' stamped on delivery
	senderJID jidprep.JID
	el        *stream.Element
	buf       []byte
	typ       string
	to        jidprep.JID
	inbound   verdict // the recipient's filters, once checked
	// Message recipients, for carbons: a fixed array first, since a
	// slice into the struct itself would move every delivery to the heap.
	deliveredN    int
	deliveredArr  [4]*session.Session
	deliveredMore []*session.Session
	bounced       bool // an error went back to the sender
	// shared: the message reaches more than one of the recipient's
	// sessions, directly or as a carbon.
	shared  bool
	carbons carbonsState // for a message delivered to one session
	// handedOff: the rest of the delivery went to the Deferrer, which
	// finishes it (outgoing included).
	handedOff bool
	archived  archiveState
	stanzaID  string // given for the recipient's archive
	sentID    string // given for the sender's archive
	// later takes plugin calls off the client's reader; nil makes them
	// here. at is where a handed-off delivery resumes.
	later Deferrer
	at    resumePoint
	// remote: the sender is on another server (RouteRemote);
	// sentRemote: the stanza left for another server.
	remote, sentRemote bool
}

type archiveState uint8

const (
	archiveUnknown archiveState = iota
	archiveNo
	archiveYes
)

func (d *delivery) route() {
	kind := d.el.Name.Local
	if kind == "iq" && !d.validIQ() {
		return
	}
	raw := d.el.Attr("to")
	if raw == "" {
		d.routeNoTo(kind)
		return
	}
	to, err := jidprep.Parse(raw)
	if err != nil {
		d.bounce(raw, stanza.Errorf(stanza.JIDMalformed, "the 'to' address is not a valid JID"))
		return
	}
	d.to = to
	if d.blockedOutbound(kind) {
		return
	}
	if kind == "message" {
		d.stripForgedStanzaIDs()
	}
	switch {
	case !d.r.local(to.Domain):
		d.toService(kind)
	case to.Local == "":
		d.toServer(kind)
	case kind == "message" && !d.applyAMP():
		return

	case to.Resource != "":
		d.toFull(kind)
	default:
		d.toBare(kind)
	}
	if !d.handedOff {
		d.outgoing()
	}
}

// toService offers a stanza for another domain to the service that owns
// it: a plugin's call is handed off like any other plugin call, while a
// component's queue is no call and is taken at once. A domain no service
// owns is remote.
// toService routes a stanza for another domain: to the service that owns
// it, else to another server.
func (d *delivery) toService(kind string) {
	if d.r.handlers != nil {
		if d.later != nil && d.from != nil && d.r.handlers.ClaimsService(d.el, d.to) {
			d.handOff(atService)
			return
		}
		if d.r.handlers.Service(d.ctx, d.from, d.el, d.to) {
			return
		}
	}
	// Subscriptions and directed presence change the sender's own state
	// (roster, who hears of its going offline): the presence plugin sends
	// them on, as to a local contact.
	if kind == "presence" && d.typ != "probe" && d.typ != "error" && !d.remote && d.r.remote != nil && d.handle(atRemote) {
		return
	}
	d.toRemote()
}

// outgoing archives a message a local user sent to a local user, for the
// sender, and copies it to the sender's other resources: once its
// delivery is over, since a bounced message is not archived as sent.
func (d *delivery) outgoing() {
	if d.el.Name.Local == "message" && !d.remote && (d.r.local(d.to.Domain) || d.sentRemote) {
		d.recordOutgoing()
		d.sentCarbons()
	}
}

// validIQ applies RFC 6120 §8.2.3: a known type, an id, and exactly one
// child for get and set.
func (d *delivery) validIQ() bool {
	switch d.typ {
	case "get", "set":
		if d.el.Children != 1 {
			d.bounce(d.el.Attr("to"), stanza.Errorf(stanza.BadRequest, "an IQ get or set must have exactly one child element"))
			return false
		}
	case "result", "error":
	default:
		d.bounce(d.el.Attr("to"), stanza.Errorf(stanza.BadRequest, "unknown IQ type"))
		return false
	}
	if !d.el.HasAttr("id") {
		d.bounce(d.el.Attr("to"), stanza.Errorf(stanza.BadRequest, "an IQ must have an id"))
		return false
	}
	return true
}

// routeNoTo handles stanzas without a 'to': presence is a broadcast, the
// rest is handled on behalf of the sender's account (RFC 6120 §10.3).
func (d *delivery) routeNoTo(kind string) {
	d.to = d.from.JID.BareJID()
	if kind == "presence" {
		d.handle(atBroadcast)
		return
	}
	d.toBare(kind)
}

// handle offers the stanza to the plugins: at once, or, when a plugin
// claims it and the caller gave a Deferrer, later, going on from p. It
// reports whether something took the stanza.
func (d *delivery) handle(p resumePoint) bool {
	if d.from == nil || d.r.handlers == nil {
		return false
	}
	// The presence plugin keeps state for local accounts: presence from
	// another server is delivered as it is, but for subscriptions (the
	// local contact's roster) and probes (answered for the local contact).
	if d.remote && d.el.Name.Local == "presence" && !IsSubscription(d.typ) {
		return false
	}
	if d.later != nil && d.r.handlers.Claims(d.from, d.el, d.to) {
		d.handOff(p)
		return true
	}
	return d.r.handlers.Handle(d.ctx, d.from, d.el, d.to)
}

func (d *delivery) toServer(kind string) {
	if d.handle(atServer) {
		return
	}
	d.unclaimedAtServer(kind)
}

// unclaimedAtServer answers what was addressed to the server and no
// plugin took (the contract's rule 7).
func (d *delivery) unclaimedAtServer(kind string) {
	if contract.Unrouted(pluginv1.Addressing_ADDRESSING_SERVER, kind, d.typ) {
		d.bounce(d.el.Attr("to"), stanza.New(stanza.ServiceUnavailable))
	}
}
