package c2s

import (
	"strconv"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// nsSM is stream management, XEP-0198 version 3.
const nsSM = "urn:xmpp:sm:3"

const smRequest = "<r xmlns='" + nsSM + "'/>"

func parseH(raw string) (uint32, bool) {
	h, err := strconv.ParseUint(raw, 10, 32)
	return uint32(h), err == nil
}

// handleSM serves the stream management elements.
func (c *Conn) handleSM(el *stream.Element) error {
	switch el.Name.Local {
	case "enable":
		return c.enableSM(el)
	case "resume":
		return c.resume(el.Attr("previd"), el.Attr("h"), func(answer []byte, _ bool) error { return c.send(answer) })
	case "r":
		return c.answerRequest()
	case "a":
		return c.receiveAck(el)
	}
	return stream.NewError("unsupported-stanza-type", "unknown stream management element "+el.Name.Local)
}

func smFailed(condition string) []byte {
	return []byte("<failed xmlns='" + nsSM + "'><" + condition + " xmlns='" + stream.NSStanzaErrors + "'/></failed>")
}

// smFailedHandled is a failed resumption that tells the client how many of
// its stanzas the server handled (XEP-0198 §5), so that it can send the
// rest again on a new session.
func smFailedHandled(condition string, h uint32) []byte {
	return []byte("<failed xmlns='" + nsSM + "' h='" + strconv.FormatUint(uint64(h), 10) + "'><" + condition + " xmlns='" + stream.NSStanzaErrors + "'/></failed>")
}

func (c *Conn) enableSM(el *stream.Element) error {
	if c.state&stateBound == 0 {
		return c.send(smFailed("unexpected-request"))
	}
	e := c.ep
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sm != nil {
		return c.send(smFailed("unexpected-request"))
	}
	r := el.Attr("resume")
	// Written under the endpoint's lock, so that every stanza counted
	// from now on follows <enabled/> on the wire.
	return c.send(c.startSM(r == "true" || r == "1"))
}

// startSM turns stream management on for the bound session and returns
// the <enabled/> to send, the endpoint's lock held: the caller sends it
// before unlocking.
func (c *Conn) startSM(resume bool) []byte {
	e := c.ep
	e.sm = &smState{id: randomID(12), resumable: resume && c.srv.cfg.ResumeTimeout > 0}
	b := []byte("<enabled xmlns='" + nsSM + "' id='" + e.sm.id + "'")
	if e.sm.resumable {
		b = append(b, " resume='true' max='"+strconv.Itoa(int(c.srv.cfg.ResumeTimeout.Seconds()))+"'"...)
		c.srv.rememberResumable(e.sm.id, e)
	}
	c.log.Debug("stream management enabled", "resumable", e.sm.resumable)
	return append(b, "/>"...)
}

func (c *Conn) answerRequest() error {
	if c.ep == nil || c.ep.sm == nil {
		return stream.NewError("unsupported-stanza-type", "stream management is not enabled")
	}
	c.ep.mu.Lock()
	h := c.ep.handled()
	c.ep.mu.Unlock()
	return c.send([]byte("<a xmlns='" + nsSM + "' h='" + strconv.FormatUint(uint64(h), 10) + "'/>"))
}

func (c *Conn) receiveAck(el *stream.Element) error {
	h, ok := parseH(el.Attr("h"))
	if c.ep == nil || !ok {
		return stream.NewError("unsupported-stanza-type", "unexpected acknowledgement")
	}
	e := c.ep
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sm == nil {
		return stream.NewError("unsupported-stanza-type", "stream management is not enabled")
	}
	if e.conn != c {
		return nil // a connection the session has left; its resumption counts
	}
	if !e.sm.acceptable(h) {
		return stream.NewError("undefined-condition", "acknowledged more stanzas than were sent")
	}
	e.sm.ack(h)
	if e.sm.requestNow() {
		return c.send([]byte(smRequest))
	}
	return nil
}

// countInbound counts a stanza taken from the client and returns its
// number, if stream management counts it. It counts as handled once it
// is processed: at once, unless inflight holds it.
func (c *Conn) countInbound() (seq uint32, counted bool) {
	if c.ep == nil {
		return 0, false
	}
	c.ep.mu.Lock()
	defer c.ep.mu.Unlock()
	if c.ep.sm == nil {
		return 0, false
	}
	c.ep.sm.inbound++
	return c.ep.sm.inbound, true
}

// resume takes over a session the client left (XEP-0198 §5): the
// acknowledged part of the queue is dropped and the rest sent again on
// this connection, after <resumed/>. A refused resumption leaves the old
// session as it was, waiting or expiring on schedule, except for an h it
// never sent: that client's idea of the session is wrong, so the session
// ends as on expiry. Either answer tells the client how many of its
// stanzas were handled, so it first waits for what the old connection
// still has in flight: a stanza counted as not handled is sent again.
//
// answer sends the <resumed/> or <failed/> given, alone or inside the
// XEP-0388 <success/> when the resumption was asked for inline; it is
// called with resumed true under the endpoint's lock, so that nothing
// the session is sent gets ahead of it.
func (c *Conn) resume(previd, rawH string, answer func(b []byte, resumed bool) error) error {
	if c.state&stateAuthenticated == 0 || c.state&stateBound != 0 {
		return answer(smFailed("unexpected-request"), false)
	}
	h, ok := parseH(rawH)
	e := c.srv.takeResumable(previd, c.username)
	if e == nil || !ok {
		c.log.Debug("resumption refused: unknown or expired session", "previd", previd)
		return answer(smFailed("item-not-found"), false)
	}
	e.mu.Lock()
	if !e.sm.acceptable(h) {
		e.mu.Unlock()
		c.log.Debug("resumption refused: the client acknowledged more than was sent; the session ends", "previd", e.sm.id, "h", h)
		e.Close(stream.NewError("undefined-condition", "a resumption acknowledged more stanzas than were sent"))
		e.inflight.wait()
		e.mu.Lock()
		handled := e.handled()
		e.mu.Unlock()
		return answer(smFailedHandled("undefined-condition", handled), false)
	}
	old, rival := e.conn, e.resuming
	// The client came back before we noticed the old connection die; the
	// old one no longer owns the session, nor does an earlier attempt to
	// resume it that is still waiting.
	e.conn, e.resuming = nil, c
	if e.expiry != nil {
		e.expiry.Stop()
		e.expiry = nil
	}
	e.mu.Unlock()
	for _, gone := range []*Conn{old, rival} {
		if gone != nil {
			gone.out.abort()
		}
	}
	e.inflight.wait()
	e.mu.Lock()
	if e.resuming != c || e.ending {
		e.mu.Unlock()
		c.log.Debug("resumption refused: the session ended or was resumed elsewhere meanwhile", "previd", previd)
		return answer(smFailed("item-not-found"), false)
	}
	defer e.mu.Unlock()
	e.resuming = nil
	// The old connection may have read an acknowledgement meanwhile that
	// covers more than h: what it acknowledged stays acknowledged.
	if e.sm.acceptable(h) {
		e.sm.ack(h)
	}
	e.conn = c
	e.sess.Detached.Store(false)
	c.ep = e
	c.sess = e.sess
	c.sess.Secure.Store(c.state&stateSecure != 0)
	c.sess.SetRemote(c.raw.RemoteAddr().String())
	c.state |= stateBound
	c.log = c.log.With("jid", e.sess.Full)
	b := []byte("<resumed xmlns='" + nsSM + "' h='" + strconv.FormatUint(uint64(e.handled()), 10) + "' previd='" + e.sm.id + "'/>")
	if err := answer(b, true); err != nil {
		return err
	}
	for _, q := range e.sm.queue {
		if err := c.send(q.b); err != nil {
			return err
		}
	}
	if len(e.sm.queue) > 0 {
		e.sm.requested, e.sm.requestedAt = true, e.sm.sent
		if err := c.send([]byte(smRequest)); err != nil {
			return err
		}
	}
	c.log.Debug("session resumed", "resent", len(e.sm.queue))
	if ext := c.srv.cfg.Extensions; ext != nil {
		ext.SessionResumed(e.sess)
	}
	return nil
}
