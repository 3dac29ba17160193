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
	if d.typ == "error" {
		return
	}
	d.bounced = true
	d.r.metrics.Bounced(string(e.Condition))
	if d.from == nil {
		d.bounceToLocalSender(to, e)
		return
	}
	d.buf = AppendError(d.buf[:0], d.el, to, d.from.Full, e)
	d.from.Sink.Deliver(d.buf)
}

// bounceToLocalSender answers a stanza the server relayed on a local
// user's behalf (a message taken back from a session that ended) by
// routing the error to that user; the server's own stanzas are not
// answered.
func (d *delivery) bounceToLocalSender(to string, e *stanza.Error) {
	if d.senderJID.Local == "" {
		return
	}
	b := AppendError(nil, d.el, to, d.sender, e)
	el, err := stream.ParseElement(b, stream.Limits{})
	if err != nil {
		return
	}
	if _, err := d.r.Deliver(d.ctx, el, nil); err != nil {
		d.r.log.Debug("returning an error to its sender", "to", d.sender, "error", err)
	}
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
