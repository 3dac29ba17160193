package router

import (
	"github.com/switchboard-xmpp/switchboard/core/filter"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

type verdict uint8

const (
	unchecked verdict = iota
	allowed
	denied
)

// blockedOutbound applies the sender's own rules (XEP-0191 blocking,
// XEP-0016 presence-out) and reports whether the stanza stops here.
func (d *delivery) blockedOutbound(kind string) bool {
	var k filter.Stanzas
	switch {
	case kind == "message":
		k = filter.MessageOut
	case kind == "presence" && IsSubscription(d.typ):
		k = filter.SubscriptionOut
	case kind == "presence":
		k = filter.PresenceOut
	case d.typ == "get" || d.typ == "set":
		k = filter.IQOut
	default:
		return false
	}
	if d.senderJID.Local == "" || d.senderJID.Bare() == d.to.Bare() {
		return false // the server itself, or the owner's own resources
	}
	v := d.r.filters.Check(d.senderJID.Bare(), d.to, k)
	if !v.Denied {
		return false
	}
	if v.ReportBlocked {
		d.bounce(d.el.Attr("to"), &stanza.Error{Condition: stanza.NotAcceptable, AppSpace: "urn:xmpp:blocking:errors", AppLocal: "blocked"})
	}
	return true
}

// blockedInbound applies the recipient's rules to the sender (XEP-0016
// §2.9-2.12): a refused message or IQ request gets service-unavailable, a
// refused presence vanishes. It is decided once per stanza.
func (d *delivery) blockedInbound(kind string) bool {
	if d.inbound == unchecked {
		var k filter.Stanzas
		switch {
		case kind == "message":
			k = filter.MessageIn
		case kind == "presence" && IsSubscription(d.typ):
			k = filter.SubscriptionIn
		case kind == "presence":
			k = filter.PresenceIn
		default:
			k = filter.IQIn
		}
		d.inbound = allowed
		if d.senderJID.Bare() == d.to.Bare() {
			return false // the owner's own resources
		}
		if d.r.filters.Check(d.to.Bare(), d.senderJID, k).Denied {
			d.inbound = denied
			if kind != "presence" && d.typ != "result" {
				d.bounce(d.el.Attr("to"), stanza.New(stanza.ServiceUnavailable))
			}
		}
	}
	return d.inbound == denied
}
