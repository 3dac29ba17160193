package c2s

import (
	"context"
	"net"
	"strconv"
	"strings"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handle dispatches one top-level element by namespace and stream state.
func (c *Conn) handle(ctx context.Context, el *stream.Element) error {
	switch el.Name.Space {
	case stream.NSTLS:
		if el.Name.Local != "starttls" || c.state&stateAuthenticated != 0 {
			return stream.NewError("unsupported-stanza-type", "unexpected TLS element")
		}
		return c.startTLS()
	case stream.NSSASL:
		return c.handleSASL(ctx, el)
	case nsSASL2:
		return c.handleSASL2(ctx, el)
	case stream.NSClient:
		return c.handleStanza(ctx, el)
	case nsSM:
		if c.state&stateAuthenticated == 0 {
			return stream.NewError("not-authorized", "authenticate first")
		}
		return c.handleSM(el)
	case nsCSI:
		if c.state&stateBound == 0 {
			return stream.NewError("not-authorized", "bind a resource first")
		}
		c.ep.setActive(el.Name.Local == "active")
		return nil
	}
	return stream.NewError("unsupported-stanza-type", "unknown element {"+el.Name.Space+"}"+el.Name.Local)
}

func (c *Conn) handleStanza(ctx context.Context, el *stream.Element) error {
	switch el.Name.Local {
	case "message", "presence", "iq":
	default:
		return stream.NewError("unsupported-stanza-type", "unknown stanza <"+el.Name.Local+"/>")
	}
	// RFC 6120 §4.9.3.12: nothing is processed before authentication,
	// except what a plugin serves to unauthenticated streams
	// (registration), and only once the stream may authenticate.
	if c.state&stateAuthenticated == 0 {
		if el.Name.Local == "iq" && el.Child.Space == nsLegacyAuth && c.saslAllowed() {
			return c.legacyAuth(ctx, el)
		}
		if handled, err := c.preAuth(ctx, el); handled {
			return err
		}
		return stream.NewError("not-authorized", "authenticate first")
	}
	if c.state&stateBound == 0 {
		if el.Name.Local == "iq" && el.Child == (stream.Name{Space: stream.NSBind, Local: "bind"}) {
			return c.bind(el)
		}
		return stream.NewError("not-authorized", "bind a resource first")
	}
	if err := c.checkFrom(el); err != nil {
		return err
	}
	c.seq, c.seqCounted = c.countInbound()
	if el.Name.Local == "iq" {
		if handled, err := c.handleOwnIQ(el); handled {
			return err
		}
		c.noteIQ(el)
	}
	if el.Name.Local == "presence" && !el.HasAttr("to") {
		c.recordPresence(el)
	}
	if c.ep.inflight.active() && c.waitsInLine(el) {
		return nil
	}
	c.buf = c.srv.router.Route(ctx, c.sess, el, c.buf, (*deferrer)(c))
	return nil
}

// checkFrom enforces RFC 6120 §8.1.2.1: a client may only name itself.
func (c *Conn) checkFrom(el *stream.Element) error {
	raw := el.Attr("from")
	if raw == "" {
		return nil
	}
	from, err := jidprep.Parse(raw)
	if err == nil && (from == c.sess.JID || from == c.sess.JID.BareJID()) {
		return nil
	}
	c.log.Debug("spoofed from", "from", raw, "jid", c.sess.Full)
	return stream.NewError("invalid-from", "the 'from' address does not match the stream")
}

// noteIQ keeps what stream management needs to know when the session ends
// unacknowledged: which requests the client answered, and whether it reads
// its archive.
func (c *Conn) noteIQ(el *stream.Element) {
	switch typ := el.Attr("type"); {
	case typ == "result" || typ == "error":
		c.ep.settleAnswer(el.Attr("to"), el.Attr("id"))
	case router.IsArchiveQuery(el):
		c.ep.queriedArchive()
	}
}

// handleOwnIQ answers the IQs of stream negotiation that may still arrive
// after binding: the legacy session and a second bind.
func (c *Conn) handleOwnIQ(el *stream.Element) (bool, error) {
	to := el.Attr("to")
	if to != "" && to != c.domain {
		return false, nil
	}
	if el.Attr("type") != "set" {
		return false, nil
	}
	switch el.Child {
	case stream.Name{Space: stream.NSSession, Local: "session"}:
		c.buf = appendResult(c.buf[:0], el, to, c.sess.Full, "")
	case stream.Name{Space: stream.NSBind, Local: "bind"}:
		c.buf = router.AppendError(c.buf[:0], el, to, c.sess.Full, stanza.Errorf(stanza.NotAllowed, "a resource is already bound"))
	default:
		return false, nil
	}
	// Through the session, so that stream management counts the answer
	// as the client does.
	c.ep.Deliver(c.buf)
	return true, nil
}

// recordPresence keeps the availability and priority of a broadcast
// presence as routing state (RFC 6121 §8.5.2), and reports it to the
// plugins: initial presence, and every later change while available.
func (c *Conn) recordPresence(el *stream.Element) {
	was, _ := c.sess.Presence()
	c.sess.SetLastPresence(el.AppendWithFrom(nil, c.sess.Full))
	ext := c.srv.cfg.Extensions
	switch el.Attr("type") {
	case "":
		c.sess.SetPresence(true, priorityOf(el))
		switch {
		case ext == nil:
		case !was:
			ext.SessionAvailable(c.sess, el)
		default:
			ext.SessionPresence(c.sess, el)
		}
	case "unavailable":
		c.sess.SetPresence(false, 0)
		if ext != nil && was {
			ext.SessionPresence(c.sess, el)
		}
	}
}

// remoteIP is the client's address without the port, for per-address
// limits.
func remoteIP(a net.Addr) string {
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}

func (c *Conn) preAuth(ctx context.Context, el *stream.Element) (bool, error) {
	ext := c.srv.cfg.Extensions
	if ext == nil || el.Name.Local != "iq" || !c.saslAllowed() {
		return false, nil
	}
	replies, ok := ext.PreAuth(ctx, c.domain, c.id, remoteIP(c.raw.RemoteAddr()), c.state&stateSecure != 0, el)
	if !ok {
		return false, nil
	}
	for _, r := range replies {
		if err := c.send(r); err != nil {
			return true, err
		}
	}
	return true, nil
}

// priorityOf reads <priority/>; absent or invalid means 0 (RFC 6121
// §4.7.2.3), out of range is clamped.
func priorityOf(el *stream.Element) int8 {
	inner := el.Inner()
	if len(inner) == 0 || !strings.Contains(string(inner), "priority") {
		return 0
	}
	dom, err := el.DOM()
	if err != nil {
		return 0
	}
	p := dom.SelectElement("priority")
	if p == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(p.Text()))
	if err != nil {
		return 0
	}
	return int8(max(-128, min(127, n)))
}

// appendResult appends an IQ result to el with an optional payload.
func appendResult(dst []byte, el *stream.Element, from, to, payload string) []byte {
	dst = append(dst, "<iq type='result' id='"...)
	dst = stream.AppendEscapedAttr(dst, el.Attr("id"))
	dst = append(dst, '\'')
	if from != "" {
		dst = append(dst, " from='"...)
		dst = stream.AppendEscapedAttr(dst, from)
		dst = append(dst, '\'')
	}
	dst = append(dst, " to='"...)
	dst = stream.AppendEscapedAttr(dst, to)
	dst = append(dst, '\'')
	if payload == "" {
		return append(dst, "/>"...)
	}
	dst = append(dst, '>')
	dst = append(dst, payload...)
	return append(dst, "</iq>"...)
}
