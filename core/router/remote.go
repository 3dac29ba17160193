package router

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Remote carries stanzas to other servers (core/s2s).
type Remote interface {
	// Send queues b, a stanza with 'from' and 'to' set, for domain. It
	// returns at once and keeps no reference to b; a stanza that cannot
	// be delivered comes back to its sender as an error.
	Send(domain string, b []byte)
}

// SetRemote makes the router send stanzas for other domains through
// remote; without it they are answered remote-server-not-found. It is
// called once, before anything is routed.
func (r *Router) SetRemote(remote Remote) { r.remote = remote }

// RouteRemote routes a stanza that another server sent: from stands for
// its sender, a JID of the domain the server authenticated as, and its
// Sink returns replies to that server; el is addressed to a local or
// service domain. It is routed as a local user's stanza to the same
// address would be (RFC 6121 §8), except that the sender has no local
// state: no rules of its own, no archive, no carbons.
func (r *Router) RouteRemote(ctx context.Context, from *session.Session, el *stream.Element, buf []byte) []byte {
	d := delivery{r: r, ctx: ctx, from: from, sender: from.Full, senderJID: from.JID, el: el, buf: buf[:0], typ: el.Attr("type"), remote: true}
	d.route()
	return d.buf
}

// toRemote sends the stanza to another server, stamped with its sender.
func (d *delivery) toRemote() {
	if d.remote || d.r.remote == nil {
		d.bounce(d.el.Attr("to"), stanza.Errorf(stanza.RemoteServerNotFound, "this server does not federate with other domains"))
		return
	}
	sender := d.sender
	if sender == "" {
		sender = d.r.domain
	}
	d.buf = d.el.AppendWithFrom(d.buf[:0], sender)
	d.r.remote.Send(d.to.Domain, d.buf)
	d.sentRemote = true
}
