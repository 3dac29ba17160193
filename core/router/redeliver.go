package router

import (
	"context"
	"strings"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Redeliver takes back a stanza that was sent to a session which ended
// before acknowledging it (XEP-0198), and which reached the account no
// other way. A chat or normal message is routed to the recipient's bare
// JID again — another resource, offline storage, or an error to its
// sender — unless the client reads its archive (usesArchive) and the
// archive kept the message: that client finds it there, and offline
// storage would show it twice. An IQ request is answered with an error, so
// that nothing acknowledged to a sender silently vanishes. Presence and the
// rest are dropped: they describe a moment that has passed. It reports
// whether the stanza was routed again.
func (r *Router) Redeliver(ctx context.Context, b []byte, recipient jidprep.JID, usesArchive bool) bool {
	el, err := stream.ParseElement(b, stream.Limits{})
	if err != nil {
		r.log.Warn("redelivering an unacknowledged stanza", "to", recipient.String(), "error", err)
		return false
	}
	typ := el.Attr("type")
	switch {
	case el.Name.Local == "message" && (typ == "" || typ == "normal" || typ == "chat"):
		archived, result := r.fromArchive(el, recipient.Bare())
		if result || usesArchive && archived {
			return false
		}
		again, err := stream.ParseElement(el.AppendWithAddrs(nil, el.Attr("from"), recipient.Bare()), stream.Limits{})
		if err != nil {
			return false
		}
		if _, err := r.Deliver(ctx, again, nil); err != nil {
			r.log.Warn("redelivering an unacknowledged message", "to", recipient.Bare(), "error", err)
			return false
		}
		return true
	case el.Name.Local == "iq" && (typ == "get" || typ == "set"):
		if _, err := r.Deliver(ctx, el, nil); err != nil {
			r.log.Debug("answering an unacknowledged request", "error", err)
			return false
		}
		return true
	}
	return false
}

// fromArchive looks at a message sent to owner: archived, it carries the
// stanza-id of owner's archive; result, it is an archive query's result,
// a copy of what the archive holds.
func (r *Router) fromArchive(el *stream.Element, owner string) (archived, result bool) {
	inner := string(el.Inner())
	if !strings.Contains(inner, nsStanzaID) && !strings.Contains(inner, nsMAMPrefix) {
		return false, false
	}
	dom, err := el.DOM()
	if err != nil {
		return false, false
	}
	for _, c := range dom.ChildElements() {
		switch ns := c.NamespaceURI(); {
		case c.Tag == "result" && strings.HasPrefix(ns, nsMAMPrefix):
			result = true
		case c.Tag == "stanza-id" && ns == nsStanzaID && c.SelectAttrValue("by", "") == owner:
			archived = true
		}
	}
	return archived, result
}
