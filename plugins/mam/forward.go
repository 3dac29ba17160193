package mam

import (
	"context"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// stampFormat is XEP-0082's DateTime in UTC, to the millisecond.
const stampFormat = "2006-01-02T15:04:05.000Z"

func stamp(nanos int64) string { return time.Unix(0, nanos).UTC().Format(stampFormat) }

// sendResults sends a page of results in one call to the core; if the
// core refuses the batch (a result over the size limit), each goes alone
// so that the one at fault can go without its message.
func sendResults(ctx context.Context, host sdk.Host, owner, to, queryID string, items []item) error {
	msgs := make([]*etree.Element, len(items))
	for i, it := range items {
		msgs[i] = resultMessage(host, owner, to, queryID, it)
	}
	if err := host.SendBatch(ctx, msgs); err == nil || ctx.Err() != nil {
		return err
	}
	for _, it := range items {
		if err := sendResult(ctx, host, owner, to, queryID, it); err != nil {
			return err
		}
	}
	return nil
}

// sendResult sends one result. The core holds a stanza a plugin sends to
// the same size and depth limits as a client's, which the wrapping can
// push an archived message over; such a result goes again without the
// message (XEP-0313 §3.2), so that paging can get past it.
func sendResult(ctx context.Context, host sdk.Host, owner, to, queryID string, it item) error {
	msg := resultMessage(host, owner, to, queryID, it)
	err := host.Send(ctx, msg)
	if err == nil {
		return nil
	}
	fwd := msg.FindElement("result/forwarded")
	if inner := fwd.SelectElement("message"); inner != nil && ctx.Err() == nil {
		fwd.RemoveChild(inner)
		if err2 := host.Send(ctx, msg); err2 == nil {
			host.Logger().Warn("an archived message was refused; sent without it", "jid", owner, "stanza_id", it.e.id, "error", err)
			return nil
		}
	}
	return fmt.Errorf("sending archived message %s to %s: %w", it.e.id, to, err)
}

// resultMessage wraps an archived message for the requester (XEP-0313
// §4.2, XEP-0297): from the archive's bare JID, with the time it was
// archived, and marked not to be stored (XEP-0334).
func resultMessage(host sdk.Host, owner, to, queryID string, it item) *etree.Element {
	msg := sdk.NewMessage(owner, to, "")
	r := sdk.NewElement(NS, "result")
	if queryID != "" {
		r.CreateAttr("queryid", queryID)
	}
	r.CreateAttr("id", it.e.id)
	fwd := sdk.NewElement(nsForward, "forwarded")
	d := sdk.NewElement(nsDelay, "delay")
	d.CreateAttr("stamp", stamp(it.e.nanos))
	fwd.AddChild(d)
	inner, err := forwardable(it.stanza, owner)
	if err != nil {
		// XEP-0313 §3.2 lets a server leave the message out of a result
		// while keeping its place, which is better than a hole in the ids.
		host.Logger().Error("an archived message is unreadable; sent without it", "jid", owner, "stanza_id", it.e.id, "error", err)
	} else {
		fwd.AddChild(inner)
	}
	r.AddChild(fwd)
	msg.AddChild(r)
	// The core archives what it delivers when it holds a body, as a
	// result does inside; the hint keeps results out of the archive (and
	// out of offline storage, should the requester have gone).
	msg.AddChild(sdk.NewElement(nsHints, "no-store"))
	return msg
}

// forwardable reads a stored message for forwarding. Stored as the core
// serialized it, it usually inherits jabber:client from the stream and
// declares no namespace; inside <forwarded/> it must declare it. A
// stanza-id claiming to be this archive's is dropped: the result's id is
// the one that counts, and a sender may have forged one (XEP-0359's
// security considerations).
func forwardable(b []byte, owner string) (*etree.Element, error) {
	el, err := unmarshal(b)
	if err != nil {
		return nil, err
	}
	if el.Tag != "message" {
		return nil, fmt.Errorf("stored element is a <%s/>, not a message", el.Tag)
	}
	if el.Space == "" {
		el.RemoveAttr("xmlns")
		el.CreateAttr("xmlns", nsClient)
	}
	for _, c := range el.ChildElements() {
		if c.Tag == "stanza-id" && c.NamespaceURI() == NSStanzaID && c.SelectAttrValue("by", "") == owner {
			el.RemoveChild(c)
		}
	}
	return el, nil
}

func unmarshal(b []byte) (*etree.Element, error) {
	el, err := sdk.UnmarshalElement(b)
	if err != nil {
		return nil, fmt.Errorf("parsing archived message: %w", err)
	}
	return el, nil
}

// fin ends a query (XEP-0313 §4.3): the ids of the first and last result
// in chronological order, whichever order they were sent in. No <count/>
// and no index: counting would read the whole range, and XEP-0313 makes
// both optional.
func fin(items []item, complete bool) *etree.Element {
	f := sdk.NewElement(NS, "fin")
	if complete {
		f.CreateAttr("complete", "true")
	}
	set := sdk.NewElement(nsRSM, "set")
	if len(items) > 0 {
		set.CreateElement("first").SetText(items[0].e.id)
		set.CreateElement("last").SetText(items[len(items)-1].e.id)
	}
	f.AddChild(set)
	return f
}
