package c2s

import "github.com/switchboard-xmpp/switchboard/core/stream"

// Framing is how a transport opens and closes a stream: TCP uses the
// <stream:stream> header and its end tag (RFC 6120); a WebSocket uses
// standalone <open/> and <close/> elements (RFC 7395).
type Framing interface {
	appendOpen(dst []byte, h stream.Header) []byte
	appendClose(dst []byte) []byte
}

// TCPFraming is RFC 6120's.
type TCPFraming struct{}

func (TCPFraming) appendOpen(dst []byte, h stream.Header) []byte { return stream.AppendHeader(dst, h) }
func (TCPFraming) appendClose(dst []byte) []byte                 { return append(dst, stream.Close...) }

// NSFraming is RFC 7395's namespace for <open/> and <close/>.
const NSFraming = "urn:ietf:params:xml:ns:xmpp-framing"

// WebSocketFraming is RFC 7395's: the transport adapter turns these
// elements into WebSocket messages of their own.
type WebSocketFraming struct{}

func (WebSocketFraming) appendOpen(dst []byte, h stream.Header) []byte {
	dst = append(dst, "<open xmlns='"+NSFraming+"' version='1.0'"...)
	for _, a := range [][2]string{{"from", h.From}, {"to", h.To}, {"id", h.ID}, {"xml:lang", h.Lang}} {
		if a[1] == "" {
			continue
		}
		dst = append(dst, ' ')
		dst = append(dst, a[0]...)
		dst = append(dst, "='"...)
		dst = stream.AppendEscapedAttr(dst, a[1])
		dst = append(dst, '\'')
	}
	return append(dst, "/>"...)
}

func (WebSocketFraming) appendClose(dst []byte) []byte {
	return append(dst, "<close xmlns='"+NSFraming+"'/>"...)
}

// messageLimiter is a transport that reads the client's input in messages
// (a WebSocket). It is told the stanza limit in force and refuses a longer
// message with policy-violation as it reads, so that it never holds more
// than the stream reader would.
type messageLimiter interface{ SetMessageLimit(maxBytes int) }

// setLimits changes the stanza limits of the stream, and of the transport
// if it reads in messages.
func (c *Conn) setLimits(l stream.Limits) {
	c.dec.SetLimits(l)
	if ml, ok := c.raw.(messageLimiter); ok {
		ml.SetMessageLimit(l.MaxStanzaBytes)
	}
}

// BOSHFraming is WebSocketFraming's elements for a BOSH session (XEP-0206):
// the transport adapter takes <open/> for the start of a stream (its id is
// the session's authid) and <close/> for the end of the session, and sends
// neither to the client as it is.
type BOSHFraming struct{ WebSocketFraming }
