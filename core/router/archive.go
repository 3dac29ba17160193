package router

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"sync/atomic"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Archive is told of every archivable message (XEP-0313); the plugin host
// feeds the copies to archiving plugins in batches. Record must not block.
type Archive interface {
	// Enabled reports whether anything archives; when nothing does, no
	// stanza-id is stamped and nothing is recorded.
	Enabled() bool
	Record(owner, stanzaID, with string, stanza []byte, outgoing bool)
}

const nsStanzaID = "urn:xmpp:sid:0" // XEP-0359

// ids makes stanza-ids that are unique across restarts without a random
// read per message: a random prefix per process and a counter.
type ids struct {
	prefix string
	n      atomic.Uint64
}

func newIDs() *ids {
	b := make([]byte, 10)
	rand.Read(b)
	return &ids{prefix: base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)}
}

func (g *ids) next() string {
	return g.prefix + "-" + strconv.FormatUint(g.n.Add(1), 36)
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
	if !d.archivable() {
		return
	}
	d.archived = archiveYes
	d.stanzaID = d.r.ids.next()
	owner := d.to.Bare()
	d.r.archive.Record(owner, d.stanzaID, d.senderJID.Bare(), d.el.AppendWithFrom(nil, d.sender), false)
}

// recordOutgoing archives what a local user sent, for the sender.
func (d *delivery) recordOutgoing() {
	if d.from == nil || d.bounced || !d.archivable() {
		return
	}
	d.r.archive.Record(d.from.Bare, d.r.ids.next(), d.to.Bare(), d.el.AppendWithFrom(nil, d.sender), true)
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
