package router

import (
	"bytes"

	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// XEP-0280 message carbons: the core copies an account's chat messages to
// its other resources that enabled carbons (the carbons plugin sets the
// per-session flag); no plugin is asked per message.
const (
	nsCarbons = "urn:xmpp:carbons:2"
	nsForward = "urn:xmpp:forward:0"
	nsHints   = "urn:xmpp:hints"
)

// carbonEligible applies XEP-0280 §6: chat messages, and normal ones with
// a body; not those marked private or no-copy, and not carbons themselves.
func (d *delivery) carbonEligible() bool {
	if d.el.Name.Local != "message" {
		return false
	}
	inner := d.el.Inner()
	switch d.typ {
	case "chat":
	case "", "normal":
		if !bytes.Contains(inner, []byte("<body")) {
			return false
		}
	default:
		return false
	}
	if !bytes.Contains(inner, []byte(nsCarbons)) && !bytes.Contains(inner, []byte(nsHints)) {
		return true
	}
	dom, err := d.el.DOM()
	if err != nil {
		return false
	}
	for _, c := range dom.ChildElements() {
		switch {
		case c.NamespaceURI() == nsCarbons: // private, sent, received
			return false
		case c.NamespaceURI() == nsHints && c.Tag == "no-copy":
			return false
		}
	}
	return true
}

// sentCarbons copies a message the sender's session sent to the account's
// other resources that enabled carbons.
func (d *delivery) sentCarbons() {
	if d.to.Bare() == d.from.Bare || !d.anyCarbons(d.from.Bare, nil) || !d.carbonEligible() {
		return
	}
	d.copyTo(d.from.Bare, "sent", d.from, d.sentID)
}

// receivedCarbons copies a message delivered to some of the recipient's
// resources to the others that enabled carbons.
func (d *delivery) receivedCarbons() {
	owner := d.to.Bare()
	switch d.carbons {
	case carbonsNo:
		return
	case carbonsUnknown:
		if d.senderJID.Bare() == owner || !d.anyCarbons(owner, nil) || !d.carbonEligible() {
			return
		}
	}
	d.copyTo(owner, "received", nil, d.stanzaID)
}

// carbonsBesides reports whether a message delivered to s alone is also
// copied to another of the recipient's resources, and keeps the answer
// for receivedCarbons, which then need not look again.
func (d *delivery) carbonsBesides(s *session.Session) bool {
	yes := d.senderJID.Bare() != d.to.Bare() && d.anyCarbons(d.to.Bare(), s) && d.carbonEligible()
	d.carbons = carbonsNo
	if yes {
		d.carbons = carbonsYes
	}
	return yes
}

// carbonsState is what carbonsBesides found, for the one recipient.
type carbonsState uint8

const (
	carbonsUnknown carbonsState = iota
	carbonsNo
	carbonsYes
)

func (d *delivery) anyCarbons(owner string, except *session.Session) bool {
	for _, s := range d.r.sessions.Resources(owner) {
		if s != except && s.Carbons.Load() {
			return true
		}
	}
	return false
}

// copyTo sends the carbons. The copied message carries the owner's
// stanza-id when the owner's archive kept it (XEP-0313 §5.1.2 via
// XEP-0359): clients such as Conversations match carbons to the archive
// by it, and would otherwise fetch the message again when they sync.
func (d *delivery) copyTo(owner, kind string, except *session.Session, stanzaID string) {
	inner := d.el.Append(nil)
	if d.sender != "" {
		inner = d.el.AppendWithFrom(nil, d.sender)
	}
	if stanzaID != "" {
		inner = appendStanzaID(inner, stanzaID, owner)
	}
	if bytes.HasPrefix(inner, []byte("<message")) && !d.el.HasAttr("xmlns") {
		// Inside <forwarded/> the message must name its namespace.
		inner = append([]byte("<message xmlns='"+stream.NSClient+"'"), inner[len("<message"):]...)
	}
	for _, s := range d.r.sessions.Resources(owner) {
		if s == except || !s.Carbons.Load() || d.wasDelivered(s) {
			continue
		}
		b := append([]byte(nil), "<message from='"...)
		b = stream.AppendEscapedAttr(b, owner)
		b = append(b, "' to='"...)
		b = stream.AppendEscapedAttr(b, s.Full)
		b = append(b, "' type='chat'><"+kind+" xmlns='"+nsCarbons+"'><forwarded xmlns='"+nsForward+"'>"...)
		b = append(b, inner...)
		b = append(b, "</forwarded></"+kind+"></message>"...)
		s.Sink.DeliverShared(b)
	}
}

func (d *delivery) wasDelivered(s *session.Session) bool {
	for _, x := range d.deliveredArr[:d.deliveredN] {
		if x == s {
			return true
		}
	}
	for _, x := range d.deliveredMore {
		if x == s {
			return true
		}
	}
	return false
}
