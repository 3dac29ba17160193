package offline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// XEP-0227 §4.4 keeps an account's offline messages, oldest first, in
// <offline-messages xmlns='urn:xmpp:pie:0'/>, each a <message
// xmlns='jabber:client'/> with the <delay/> that says when it was stored.
const nsPIE = "urn:xmpp:pie:0"

// PortableElements implements sdk.Portable.
func (o *Offline) PortableElements() []string { return []string{"{" + nsPIE + "}offline-messages"} }

// ExportAccount returns the account's queue.
func (o *Offline) ExportAccount(ctx context.Context, st sdk.Store, _ string) ([]*etree.Element, error) {
	kvs, err := st.Scan(ctx, prefix, "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("reading offline messages: %w", err)
	}
	if len(kvs) == 0 {
		return nil, nil
	}
	list := sdk.NewElement(nsPIE, "offline-messages")
	for _, kv := range kvs {
		msg, err := sdk.UnmarshalElement(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("parsing stored offline message %q: %w", kv.Key, err)
		}
		msg.RemoveAttr("to") // set at delivery, to the session's full JID
		msg.CreateAttr("xmlns", nsClient)
		list.AddChild(msg)
	}
	return []*etree.Element{list}, nil
}

// ImportAccount replaces the account's queue with the file's messages,
// in the file's order. Each is keyed by the time its <delay/> says it was
// stored, so it sorts among later ones where it belongs; one without a
// <delay/> is stamped now, as the server stamps what it stores.
func (o *Offline) ImportAccount(ctx context.Context, st sdk.Store, owner string, els []*etree.Element) (int, error) {
	old, err := st.Scan(ctx, prefix, "", 0, false)
	if err != nil {
		return 0, fmt.Errorf("reading offline messages: %w", err)
	}
	for _, kv := range old {
		if err := st.Delete(ctx, kv.Key); err != nil {
			return 0, fmt.Errorf("removing offline message %q: %w", kv.Key, err)
		}
	}
	_, domain, _ := strings.Cut(owner, "@")
	s := store{st}
	var last int64
	n := 0
	for _, list := range els {
		for _, msg := range list.ChildElements() {
			if msg.Tag != "message" {
				continue
			}
			msg = sdk.Standalone(msg)
			msg.RemoveAttr("xmlns") // stored as the core hands stanzas over: in the stream's namespace
			msg.RemoveAttr("to")
			t, ok := delayedAt(msg)
			if !ok {
				t = time.Now()
				stampDelay(msg, domain, t)
			}
			last = max(t.UnixNano(), last+1)
			if err := s.add(ctx, fmt.Sprintf("%s%020d", prefix, last), msg); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, nil
}

// delayedAt reads the time of the message's last <delay/>: the one the
// last server to hold it added.
func delayedAt(msg *etree.Element) (time.Time, bool) {
	var at time.Time
	ok := false
	for _, c := range msg.ChildElements() {
		if c.Tag != "delay" || c.NamespaceURI() != NSDelay {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, c.SelectAttrValue("stamp", "")); err == nil {
			at, ok = t, true
		}
	}
	return at, ok
}
