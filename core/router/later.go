package router

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Deferrer takes a stanza's plugin call off the goroutine that reads its
// sender's stream, so that a slow plugin holds up nothing but what must
// wait for it (RFC 6120 §10.1). c2s implements it per session and decides
// what may overtake what; the router only says where a plugin is needed.
type Deferrer interface {
	// Defer takes the rest of el's routing, run, to be called once on
	// another goroutine with a context that outlives the sender's
	// stream. It reports false when the sender already has too much in
	// flight; the router then answers el with resource-constraint.
	Defer(el *stream.Element, run func(context.Context)) bool
}

// Busy is the error for a stanza refused because its sender has too much
// in flight (the Deferrer refused it, or the session's bound).
func Busy() *stanza.Error {
	return &stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "too many requests in progress; try again shortly"}
}

// resumePoint is where a handed-off delivery goes on: which plugin call it
// makes, and what follows when no plugin takes the stanza after all.
type resumePoint uint8

const (
	atServer       resumePoint = iota + 1 // addressed to the server
	atBroadcast                           // presence without 'to'
	atFullPresence                        // directed presence to a full JID
	atBareIQ                              // an IQ the server handles for an account
	atBarePresence                        // presence to a bare JID
	atOffline                             // a message no resource can take
	atService                             // addressed to a service's domain
	atRemote                              // presence for another server
)

// handOff gives the rest of the delivery, from p on, to the Deferrer. The
// copy owns what it needs: the stanza (the reader's element is reused for
// the next one) and no scratch buffer.
func (d *delivery) handOff(p resumePoint) {
	rest := new(delivery)
	*rest = *d
	rest.el = d.el.Copy()
	rest.buf, rest.later, rest.at = nil, nil, p
	d.handedOff = true
	if !d.later.Defer(rest.el, rest.resume) {
		d.bounce(d.el.Attr("to"), Busy())
	}
}

// resume makes the plugin call that handOff put off, and goes on as the
// delivery would have if it had been made at once.
func (d *delivery) resume(ctx context.Context) {
	d.ctx = ctx
	defer d.outgoing()
	if d.at == atService {
		if !d.r.handlers.Service(ctx, d.from, d.el, d.to) {
			// The service left meanwhile.
			d.bounce(d.el.Attr("to"), stanza.Errorf(stanza.RemoteServerNotFound, "the service is no longer served here"))
		}
		return
	}
	if d.at == atOffline {
		if d.keptOffline(ctx) {
			return
		}
		d.notKept()
		return
	}
	if d.r.handlers.Handle(ctx, d.from, d.el, d.to) {
		return
	}
	switch d.at {
	case atServer:
		d.unclaimedAtServer(d.el.Name.Local)
	case atFullPresence:
		d.deliverFull("presence")
	case atBareIQ:
		d.unclaimedIQ()
	case atBarePresence:
		d.presenceToResources()
	case atRemote:
		d.toRemote()
	}
}
