package c2s

import (
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// At log level trace a connection logs every element it reads and every
// write it queues, as they are on the wire, for an operator chasing what
// a client does. What carries a password or an authentication exchange is
// logged without its content.

// carriesSecrets reports namespaces whose elements carry credentials:
// SASL, the legacy authentication of XEP-0078, in-band registration
// (XEP-0077).
func carriesSecrets(ns string) bool {
	return ns == stream.NSSASL || ns == nsLegacyAuth || ns == "jabber:iq:register"
}

func (c *Conn) traceReceived(el *stream.Element) {
	if !c.log.IsTrace() {
		return
	}
	if carriesSecrets(el.Name.Space) || carriesSecrets(el.Child.Space) {
		c.log.Trace("received", "element", "<"+el.Name.Local+" xmlns='"+el.Name.Space+"'>", "content", "not logged: it may carry credentials")
		return
	}
	c.log.Trace("received", "xml", string(el.Raw))
}

func (c *Conn) traceSent(b []byte) {
	if c.log.IsTrace() {
		c.log.Trace("sent", "xml", string(b))
	}
}
