package sdk

import (
	"github.com/beevik/etree"
)

// NewElement returns <name xmlns='ns'/>, the usual payload of an IQ.
func NewElement(ns, name string) *etree.Element {
	el := etree.NewElement(name)
	if ns != "" {
		el.CreateAttr("xmlns", ns)
	}
	return el
}

// NewMessage returns an empty <message/>; an empty from, to or typ leaves
// the attribute out. A message the server itself sends has from set to
// the domain (Host.Domain).
func NewMessage(from, to, typ string) *etree.Element {
	return newStanza("message", typ, "", from, to)
}

// NewIQ returns an empty <iq/>; an empty from, to or id leaves the
// attribute out (Host.SendIQ fills in a missing id).
func NewIQ(typ, from, to, id string) *etree.Element {
	return newStanza("iq", typ, id, from, to)
}

// IQResult returns the result that answers req, carrying payload (none
// when nil). It is what a Handler's (payload, nil) becomes: from is the
// request's 'to', left out when the request had none (RFC 6120 §10.3.3:
// the server answers on the account's behalf); to is the sender, left out
// before authentication, when the reply goes back on the requesting
// stream; the id is the request's.
func IQResult(req *Request, payload *etree.Element) *etree.Element {
	from := req.To
	if req.ToOmitted {
		from = ""
	}
	iq := NewIQ("result", from, req.From, req.Stanza.SelectAttrValue("id", ""))
	if payload != nil {
		iq.AddChild(payload)
	}
	return iq
}

func newStanza(name, typ, id, from, to string) *etree.Element {
	el := etree.NewElement(name)
	for _, a := range [...][2]string{{"type", typ}, {"id", id}, {"from", from}, {"to", to}} {
		if a[1] != "" {
			el.CreateAttr(a[0], a[1])
		}
	}
	return el
}
