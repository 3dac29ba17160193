package router

import (
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// IsSubscription reports presence types the server processes on the
// recipient's behalf instead of delivering them as they are (RFC 6121 §3).
func IsSubscription(typ string) bool {
	switch typ {
	case "subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe":
		return true
	}
	return false
}

// toFull follows RFC 6121 §8.5.3.
func (d *delivery) toFull(kind string) {
	if kind == "presence" && IsSubscription(d.typ) {
		d.to = d.to.BareJID()
		d.toBare(kind)
		return
	}
	if d.blockedInbound(kind) {
		return
	}
	// Directed presence goes to the presence plugin when there is one, so
	// that it can remember who must hear about the sender going offline.
	if kind == "presence" && d.typ != "error" && d.handle(atFullPresence) {
		return
	}
	d.deliverFull(kind)
}

// deliverFull delivers to the full JID, or applies §8.5.3.2 when no such
// resource is bound.
func (d *delivery) deliverFull(kind string) {
	if s := d.r.sessions.Lookup(d.to.Bare(), d.to.Resource); s != nil {
		if kind == "message" {
			d.shared = d.carbonsBesides(s)
		}
		if d.deliver(s) {
			if kind == "message" {
				d.receivedCarbons()
				d.reportHeld()
			}
			return
		}
	}
	// No such resource (§8.5.3.2).
	switch kind {
	case "message":
		switch d.typ {
		case "", "normal", "chat":
			d.to = d.to.BareJID()
			d.toBare(kind)
		case "groupchat":
			d.bounce(d.el.Attr("to"), stanza.New(stanza.ServiceUnavailable))
		}
	case "iq":
		if d.typ == "get" || d.typ == "set" {
			d.bounce(d.el.Attr("to"), stanza.New(stanza.ServiceUnavailable))
		}
	}
}

// toBare follows RFC 6121 §8.5.1 and §8.5.2.
func (d *delivery) toBare(kind string) {
	switch kind {
	case "iq":
		// Handled by the server on behalf of the account (§8.5.2.1.3),
		// unless the account refuses the sender's requests.
		if d.typ != "result" && d.typ != "error" && d.blockedInbound(kind) {
			return
		}
		if d.handle(atBareIQ) {
			return
		}
		d.unclaimedIQ()
	case "presence":
		d.presenceToBare()
	default:
		d.messageToBare()
	}
}

func (d *delivery) presenceToBare() {
	if d.blockedInbound("presence") {
		return
	}
	// Subscription requests, probes and directed presence go to the
	// presence plugin when there is one; it delivers what should be.
	if d.typ != "error" && d.handle(atBarePresence) {
		return
	}
	d.presenceToResources()
}

// unclaimedIQ answers an IQ to an account that nothing takes (the
// contract's rule 7).
func (d *delivery) unclaimedIQ() {
	if contract.Unrouted(pluginv1.Addressing_ADDRESSING_BARE, "iq", d.typ) {
		d.bounce(d.el.Attr("to"), stanza.New(stanza.ServiceUnavailable))
	}
}

// presenceToResources delivers presence to the account's available
// resources (RFC 6121 §8.5.2.1.2).
func (d *delivery) presenceToResources() {
	if d.typ == "probe" || d.typ == "error" {
		return
	}
	for _, s := range d.r.sessions.Resources(d.to.Bare()) {
		if ok, _ := s.Presence(); ok {
			d.deliver(s)
		}
	}
}

func (d *delivery) messageToBare() {
	switch d.typ {
	case "error":
		return
	case "groupchat":
		d.bounce(d.el.Attr("to"), stanza.New(stanza.ServiceUnavailable))
		return
	}
	// A blocked message is refused before any resource or offline storage
	// sees it.
	if d.blockedInbound("message") {
		return
	}
	delivered := false
	if d.typ == "headline" {
		for _, s := range d.r.sessions.Resources(d.to.Bare()) {
			if ok, prio := s.Presence(); ok && prio >= 0 {
				delivered = d.deliver(s) || delivered
			}
		}
	} else {
		delivered = d.deliverTopPriority()
	}
	if delivered {
		d.receivedCarbons()
		d.reportHeld()
		return
	}
	d.undeliverable()
}

// deliverTopPriority delivers to every available resource that shares the
// highest non-negative priority, as ejabberd and Prosody do.
func (d *delivery) deliverTopPriority() bool {
	resources := d.r.sessions.Resources(d.to.Bare())
	best, n := int8(-1), 0
	var one *session.Session
	for _, s := range resources {
		ok, prio := s.Presence()
		switch {
		case !ok || prio < best:
		case prio > best:
			best, n, one = prio, 1, s
		default:
			n++
		}
	}
	if best < 0 {
		return false
	}
	d.shared = n > 1 || d.carbonsBesides(one)
	delivered := false
	for _, s := range resources {
		if ok, prio := s.Presence(); ok && prio == best {
			delivered = d.deliver(s) || delivered
		}
	}
	return delivered
}

// undeliverable handles a message for an account with no resource that can
// take it (§8.5.2.2), or for no account at all (§8.5.1).
func (d *delivery) undeliverable() {
	exists, err := d.r.accounts.Exists(d.ctx, d.to.Domain, d.to.Local)
	if err != nil {
		d.r.log.Error("checking recipient account", "to", d.to.Bare(), "error", err)
		d.bounce(d.el.Attr("to"), stanza.New(stanza.InternalServerError))
		return
	}
	if exists && d.r.handlers != nil {
		if d.later != nil && d.from != nil && d.r.handlers.ClaimsUndeliverable(d.el) {
			d.handOff(atOffline)
			return
		}
		if d.keptOffline(d.ctx) {
			return
		}
	}
	d.notKept()
}

// notKept answers a message that no resource and no offline store took: a
// headline vanishes, the rest goes back to the sender.
func (d *delivery) notKept() {
	if d.typ == "headline" {
		return
	}
	d.bounce(d.el.Attr("to"), stanza.New(stanza.ServiceUnavailable))
}

// deliver writes the stanza, stamped with the sender's full JID, to s.
func (d *delivery) deliver(s *session.Session) bool {
	if d.sender == "" {
		d.buf = d.el.Append(d.buf[:0])
	} else {
		d.buf = d.el.AppendWithFrom(d.buf[:0], d.sender)
	}
	if d.el.Name.Local == "message" {
		d.recordIncoming()
		if d.stanzaID != "" {
			d.buf = appendStanzaID(d.buf, d.stanzaID, d.to.Bare())
		}
		if d.deliveredN < len(d.deliveredArr) {
			d.deliveredArr[d.deliveredN] = s
			d.deliveredN++
		} else {
			d.deliveredMore = append(d.deliveredMore, s)
		}
	}
	if d.shared {
		return s.Sink.DeliverShared(d.buf)
	}
	return s.Sink.Deliver(d.buf)
}
