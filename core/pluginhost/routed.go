package pluginhost

import (
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
)

// routed is a stanza as the contract's route rules read it, without
// building a tree unless a route asks for a namespace beyond the first
// child's.
type routed struct{ el *stream.Element }

func (r routed) Name() string            { return r.el.Name.Local }
func (r routed) Type() string            { return r.el.Attr("type") }
func (r routed) FirstChildSpace() string { return r.el.Child.Space }

func (r routed) HasChildSpace(ns string) bool {
	el := r.el
	if el.Child.Space == ns {
		return true
	}
	if el.Children < 2 {
		return false
	}
	dom, err := el.DOM()
	if err != nil {
		return false
	}
	for _, c := range dom.ChildElements() {
		if c.NamespaceURI() == ns {
			return true
		}
	}
	return false
}

func contractJID(j jidprep.JID) contract.JID {
	return contract.JID{Local: j.Local, Domain: j.Domain, Resource: j.Resource}
}

// prepJID prepares a JID for the contract's rules as the core prepares
// every JID.
func prepJID(s string) (contract.JID, error) {
	j, err := jidprep.Parse(s)
	return contractJID(j), err
}

// emittedOf is what the contract's check on emitted stanzas reads of el.
func emittedOf(el *stream.Element) contract.Emitted {
	return contract.Emitted{Name: el.Name.Local, Type: el.Attr("type"), ID: el.Attr("id"), From: el.Attr("from"), To: el.Attr("to")}
}
