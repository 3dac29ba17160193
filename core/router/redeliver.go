package router

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Redeliver takes back a stanza that was sent to a session which ended
// before acknowledging it (XEP-0198): a chat or normal message is routed
// to the recipient's bare JID again — another resource, offline storage,
// or an error to its sender — and an IQ request is answered with an error,
// so that nothing acknowledged to a sender silently vanishes. Presence and
// the rest are dropped: they describe a moment that has passed.
func (r *Router) Redeliver(ctx context.Context, b []byte, recipient jidprep.JID) {
	el, err := stream.ParseElement(b, stream.Limits{})
	if err != nil {
		r.log.Warn("redelivering an unacknowledged stanza", "to", recipient.String(), "error", err)
		return
	}
	typ := el.Attr("type")
	switch {
	case el.Name.Local == "message" && (typ == "" || typ == "normal" || typ == "chat"):
		again, err := stream.ParseElement(el.AppendWithAddrs(nil, el.Attr("from"), recipient.Bare()), stream.Limits{})
		if err != nil {
			return
		}
		if _, err := r.Deliver(ctx, again, nil); err != nil {
			r.log.Warn("redelivering an unacknowledged message", "to", recipient.Bare(), "error", err)
		}
	case el.Name.Local == "iq" && (typ == "get" || typ == "set"):
		if _, err := r.Deliver(ctx, el, nil); err != nil {
			r.log.Debug("answering an unacknowledged request", "error", err)
		}
	}
}
