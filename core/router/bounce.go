package router

import (
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// bounce returns an error reply to the sender (RFC 6120 §8.3). Errors are
// never answered with errors. to is the original 'to' as sent; the reply
// comes from that address. For messages and presence the original payload
// goes back too, so that the sender can tell what failed.
func (d *delivery) bounce(to string, e *stanza.Error) {
	if d.typ == "error" || d.from == nil {
		return
	}
	d.buf = AppendError(d.buf[:0], d.el, to, d.from.Full, e)
	d.from.Sink.Deliver(d.buf)
}

// AppendError appends an error reply to el: its kind and id, type='error',
// from and to as given (each omitted when empty).
func AppendError(dst []byte, el *stream.Element, from, to string, e *stanza.Error) []byte {
	kind := el.Name.Local
	dst = append(dst, '<')
	dst = append(dst, kind...)
	dst = append(dst, " type='error'"...)
	if id := el.Attr("id"); id != "" || el.HasAttr("id") {
		dst = append(dst, " id='"...)
		dst = stream.AppendEscapedAttr(dst, id)
		dst = append(dst, '\'')
	}
	if from != "" {
		dst = append(dst, " from='"...)
		dst = stream.AppendEscapedAttr(dst, from)
		dst = append(dst, '\'')
	}
	if to != "" {
		dst = append(dst, " to='"...)
		dst = stream.AppendEscapedAttr(dst, to)
		dst = append(dst, '\'')
	}
	dst = append(dst, '>')
	if kind != "iq" {
		dst = append(dst, el.Inner()...)
	}
	dst = e.AppendXML(dst)
	dst = append(dst, "</"...)
	dst = append(dst, kind...)
	return append(dst, '>')
}
