package router

import (
	"context"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Redeliver takes back a stanza that was sent to a session which ended
// before acknowledging it (XEP-0198), and which reached the account no
// other way. A chat or normal message (or the one a received carbon
// carries) is routed to the recipient's bare JID again — another
// resource, offline storage, or an error to its sender — unless the
// client reads its archive (usesArchive) and the archive kept the
// message: that client finds it there, and offline storage would show it
// twice (see original). An IQ request is answered with an error, so
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
		msg, ok := original(el, recipient.Bare(), usesArchive)
		if !ok {
			return false
		}
		again, err := stream.ParseElement(msg.AppendWithAddrs(nil, msg.Attr("from"), recipient.Bare()), stream.Limits{})
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

// original is the message to give owner's account again in place of el:
// el itself, or the message a received carbon (XEP-0280) carries, which
// the account then has nowhere else. Not a sent carbon (a copy of what
// the account itself sent), not an archive query's result (a copy of what
// the archive holds), and not a message owner's archive kept when the
// client reads the archive (usesArchive): it finds it there.
func original(el *stream.Element, owner string, usesArchive bool) (*stream.Element, bool) {
	inner := string(el.Inner())
	if !strings.Contains(inner, nsStanzaID) && !strings.Contains(inner, nsMAMPrefix) && !strings.Contains(inner, nsCarbons) {
		return el, true
	}
	dom, err := el.DOM()
	if err != nil {
		return nil, false
	}
	for _, c := range dom.ChildElements() {
		switch ns := c.NamespaceURI(); {
		case c.Tag == "result" && strings.HasPrefix(ns, nsMAMPrefix):
			return nil, false
		case c.Tag == "sent" && ns == nsCarbons:
			return nil, false
		case c.Tag == "received" && ns == nsCarbons:
			fwd := c.FindElement("forwarded/message")
			if fwd == nil {
				return nil, false
			}
			doc := etree.NewDocument()
			doc.SetRoot(fwd.Copy())
			b, err := doc.WriteToBytes()
			if err != nil {
				return nil, false
			}
			msg, err := stream.ParseElement(b, stream.Limits{MaxStanzaBytes: len(b)})
			if err != nil {
				return nil, false
			}
			return original(msg, owner, usesArchive)
		case c.Tag == "stanza-id" && ns == nsStanzaID && c.SelectAttrValue("by", "") == owner && usesArchive:
			return nil, false
		}
	}
	return el, true
}
