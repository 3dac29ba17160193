package c2s

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// orderOf places a stanza from the session for RFC 6120 §10.1 (see
// inflight). Its key is the entity it is addressed to: a bare JID, bare
// and full counting as one (§10.1 item 2), or, for an IQ the server
// processes itself (to the domain, to the sender's own account, or
// without 'to'), the namespace of its payload: each is served by its own
// plugin, so a ping to the server is not kept waiting by a slow vCard
// request. barrier says that the stanza changes the sender's own state —
// an IQ set the server processes, presence the server broadcasts,
// subscription presence — and may change how anything after it is
// processed (a block list, a roster, carbons), so nothing overtakes it
// and it overtakes nothing.
func (c *Conn) orderOf(el *stream.Element) (key string, barrier bool) {
	raw := el.Attr("to")
	own := raw == ""
	to := c.sess.JID.BareJID()
	if !own {
		j, err := jidprep.Parse(raw)
		if err != nil {
			return raw, false // the router answers it at once
		}
		to = j
		own = to.Resource == "" && to.Bare() == c.sess.Bare
	}
	switch el.Name.Local {
	case "iq":
		if own || to.Local == "" && to.Domain == c.domain {
			return "\x00" + el.Child.Space, el.Attr("type") == "set"
		}
	case "presence":
		if raw == "" || router.IsSubscription(el.Attr("type")) {
			return to.Bare(), true
		}
	}
	return to.Bare(), false
}

// isRequest tells an IQ get or set: what past the in-flight bound gets
// resource-constraint.
func isRequest(el *stream.Element) bool {
	if el.Name.Local != "iq" {
		return false
	}
	t := el.Attr("type")
	return t == "get" || t == "set"
}

// waitsInLine is asked, while the session has work in flight, about a
// stanza the reader is about to route: it queues the stanza behind what
// it may not overtake, or refuses it past the bound, and reports whether
// the reader is done with it.
func (c *Conn) waitsInLine(el *stream.Element) bool {
	key, barrier := c.orderOf(el)
	switch c.ep.inflight.admit(el, key, barrier, isRequest(el), c.seq, c.seqCounted) {
	case routeNow:
		return false
	case refused:
		c.log.Debug("request refused: too many in flight", "id", el.Attr("id"), "max_in_flight", c.ep.inflight.max)
		c.ep.Deliver(router.AppendError(c.buf[:0], el, el.Attr("to"), c.sess.Full, router.Busy()))
	}
	return true
}

// deferrer is the reader's router.Deferrer: plugin calls for the stanza
// being routed go to the session's inflight.
type deferrer Conn

func (d *deferrer) Defer(el *stream.Element, run func(context.Context)) bool {
	c := (*Conn)(d)
	key, barrier := c.orderOf(el)
	return c.ep.inflight.hand(run, key, barrier, isRequest(el), c.seq, c.seqCounted)
}
