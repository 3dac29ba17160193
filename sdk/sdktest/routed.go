package sdktest

import (
	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
)

// The fake host applies the contract's rules (sdk/proto/contract), the same the
// core applies: which route takes a stanza (Handle), and whom a stanza
// the plugin emits may come from (Send, SendIQ, a handler's replies).

// routed is a stanza as the contract's route rules read it.
type routed struct{ el *etree.Element }

func (r routed) Name() string { return r.el.Tag }
func (r routed) Type() string { return r.el.SelectAttrValue("type", "") }

func (r routed) FirstChildSpace() string {
	if c := r.el.ChildElements(); len(c) > 0 {
		return c[0].NamespaceURI()
	}
	return ""
}

func (r routed) HasChildSpace(ns string) bool {
	for _, c := range r.el.ChildElements() {
		if c.NamespaceURI() == ns {
			return true
		}
	}
	return false
}

// prepJID prepares a JID for the contract's rules (RFC 7622).
func prepJID(s string) (contract.JID, error) {
	j, err := jid.Parse(s)
	if err != nil {
		return contract.JID{}, err
	}
	return contract.JID{Local: j.Localpart(), Domain: j.Domainpart(), Resource: j.Resourcepart()}, nil
}

// parseEmitted reads a stanza the plugin emitted.
func parseEmitted(b []byte) (*etree.Element, contract.Emitted, error) {
	el, err := wire.ParseStanza(b)
	if err != nil {
		return nil, contract.Emitted{}, err
	}
	return el, contract.Emitted{
		Name: el.Tag,
		Type: el.SelectAttrValue("type", ""),
		ID:   el.SelectAttrValue("id", ""),
		From: el.SelectAttrValue("from", ""),
		To:   el.SelectAttrValue("to", ""),
	}, nil
}
