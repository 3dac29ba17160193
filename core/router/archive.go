package router

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Archive is told of every archivable message (XEP-0313); the plugin host
// feeds the copies to archiving plugins in batches. Record must not block.
type Archive interface {
	// Enabled reports whether anything archives; when nothing does, no
	// stanza-id is stamped and nothing is recorded.
	Enabled() bool
	Record(owner, stanzaID, with string, stanza []byte, outgoing bool)
	// Expect says a copy for owner will be recorded, or not, once a
	// plugin call now under way ends; what owner asks of the archive
	// meanwhile waits for it. The returned func ends the wait.
	Expect(owner string) func()
}

const nsStanzaID = "urn:xmpp:sid:0" // XEP-0359

// nsMAMPrefix starts every version of XEP-0313's namespace.
const nsMAMPrefix = "urn:xmpp:mam:"

// IsArchiveQuery tells a client's archive query (XEP-0313) by its child,
// without parsing it.
func IsArchiveQuery(el *stream.Element) bool {
	return el.Name.Local == "iq" && el.Child.Local == "query" && strings.HasPrefix(el.Child.Space, nsMAMPrefix)
}

// archivable applies XEP-0313's rule of thumb: chat and normal messages
// with a body, unless a hint (XEP-0334) asks not to store them.
func (d *delivery) archivable() bool {
	if d.r.archive == nil || d.el.Name.Local != "message" || !d.r.archive.Enabled() {
		return false
	}
	if d.typ != "chat" && d.typ != "normal" && d.typ != "" {
		return false
	}
	inner := d.el.Inner()
	if !bytes.Contains(inner, []byte("<body")) {
		return false
	}
	return !bytes.Contains(inner, []byte("<no-store")) && !bytes.Contains(inner, []byte("<no-permanent-store"))
}

// recordIncoming archives the message for its recipient once, giving it
// the stanza-id that deliveries then carry.
func (d *delivery) recordIncoming() {
	if d.archived != archiveUnknown {
		return
	}
	d.archived = archiveNo
	// What the server itself sends was archived when it first came
	// through (offline messages, archive results, redeliveries).
	if d.from == nil || !d.archivable() {
		return
	}
	d.archived = archiveYes
	if d.stanzaID == "" { // offlineCopy may have chosen it
		d.stanzaID, _ = d.r.ids.Next(time.Now())
	}
	owner := d.to.Bare()
	d.r.archive.Record(owner, d.stanzaID, d.senderJID.Bare(), d.el.AppendWithFrom(nil, d.sender), false)
}

// offlineCopy is the message as offline storage keeps it: with the
// stanza-id the recipient's archive will keep it under, chosen now (the
// archive records it once storage has taken it), so that the copy a
// client gets at its next login matches the one it finds when it syncs
// its archive (XEP-0313, "Communicating the archive ID"); without it,
// clients such as Gajim show the message twice.
func (d *delivery) offlineCopy() *stream.Element {
	if d.archived != archiveUnknown || d.from == nil || !d.archivable() {
		return d.el
	}
	if d.stanzaID == "" {
		d.stanzaID, _ = d.r.ids.Next(time.Now())
	}
	b := appendStanzaID(d.el.Append(nil), d.stanzaID, d.to.Bare())
	el, err := stream.ParseElement(b, stream.Limits{MaxStanzaBytes: len(b)})
	if err != nil {
		return d.el
	}
	return el
}

// keptOffline offers the message to offline storage and, when storage
// takes it, archives it for the recipient, who may already have the
// stored copy (logging in meanwhile) and query the archive right after: the
// archive is told to expect the copy before the call.
func (d *delivery) keptOffline(ctx context.Context) bool {
	el := d.offlineCopy()
	if d.stanzaID != "" { // offlineCopy chose the id the archive will keep
		defer d.r.archive.Expect(d.to.Bare())()
	}
	if !d.r.handlers.Undeliverable(ctx, d.from, el, d.to) {
		return false
	}
	d.recordIncoming() // kept offline: it is the recipient's message all the same
	return true
}

// recordOutgoing archives what a local user sent, for the sender, under
// the stanza-id its sent carbons then carry.
func (d *delivery) recordOutgoing() {
	if d.from == nil || d.bounced || !d.archivable() {
		return
	}
	d.sentID, _ = d.r.ids.Next(time.Now())
	d.r.archive.Record(d.from.Bare, d.sentID, d.to.Bare(), d.el.AppendWithFrom(nil, d.sender), true)
}

// appendStanzaID inserts <stanza-id/> before the closing tag of the
// message just appended to b.
func appendStanzaID(b []byte, id, by string) []byte {
	i := bytes.LastIndex(b, []byte("</"))
	if i < 0 {
		return b
	}
	closing := string(b[i:])
	b = append(b[:i], "<stanza-id xmlns='"+nsStanzaID+"' id='"...)
	b = append(b, id...)
	b = append(b, "' by='"...)
	b = stream.AppendEscapedAttr(b, by)
	b = append(b, "'/>"...)
	return append(b, closing...)
}

// stripForgedStanzaIDs removes <stanza-id/> elements that claim to come
// from the recipient's archive (XEP-0359 §6): only the server stamps
// those. A message that names none costs one byte search.
func (d *delivery) stripForgedStanzaIDs() {
	if !bytes.Contains(d.el.Inner(), []byte(nsStanzaID)) {
		return
	}
	dom, err := d.el.DOM()
	if err != nil {
		return
	}
	removed := false
	for _, c := range dom.ChildElements() {
		if c.Tag != "stanza-id" || c.NamespaceURI() != nsStanzaID {
			continue
		}
		if by := c.SelectAttrValue("by", ""); by == d.to.Bare() || d.r.local(by) {
			dom.RemoveChild(c)
			removed = true
		}
	}
	if !removed {
		return
	}
	doc := etree.NewDocument()
	doc.SetRoot(dom)
	b, err := doc.WriteToBytes()
	if err != nil {
		return
	}
	if el, err := stream.ParseElement(b, stream.Limits{}); err == nil {
		d.el = el
	}
}
