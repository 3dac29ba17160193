package c2s

import (
	"bytes"
	"strconv"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// nsSM is stream management, XEP-0198 version 3.
const nsSM = "urn:xmpp:sm:3"

const smRequest = "<r xmlns='" + nsSM + "'/>"

// requestEvery is how many stanzas the server sends before asking for an
// acknowledgement, which keeps the queue of unacknowledged stanzas short.
const requestEvery = 10

// smState counts stanzas both ways and keeps what the client has not
// acknowledged. Its fields are guarded by the endpoint's mutex, except
// inbound, which only the serve goroutine of the attached connection
// touches between attachments.
type smState struct {
	id        string
	resumable bool
	inbound   uint32   // stanzas handled from the client: the h we report
	sent      uint32   // stanzas sent to the client
	queue     [][]byte // unacknowledged: queue[i] is stanza number sent-len(queue)+i+1
	sinceReq  int      // stanzas sent since the last <r/>
}

func (s *smState) enqueue(b []byte, max int) bool {
	if max > 0 && len(s.queue) >= max {
		return false
	}
	s.queue = append(s.queue, bytes.Clone(b))
	s.sent++
	s.sinceReq++
	return true
}

func (s *smState) shouldRequest() bool {
	if s.sinceReq < requestEvery {
		return false
	}
	s.sinceReq = 0
	return true
}

// ack drops what the client acknowledged with h; an h beyond what was
// sent is a protocol violation (XEP-0198 §4).
func (s *smState) ack(h uint32) bool {
	acked := s.sent - uint32(len(s.queue))
	n := h - acked // wraps correctly at 2^32, as XEP-0198 counters do
	if n > uint32(len(s.queue)) {
		return false
	}
	clear(s.queue[:n])
	s.queue = s.queue[n:]
	return true
}

func parseH(el *stream.Element) (uint32, bool) {
	h, err := strconv.ParseUint(el.Attr("h"), 10, 32)
	return uint32(h), err == nil
}

// handleSM serves the stream management elements.
func (c *Conn) handleSM(el *stream.Element) error {
	switch el.Name.Local {
	case "enable":
		return c.enableSM(el)
	case "resume":
		return c.resumeSM(el)
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
	e.sm = &smState{id: randomID(12), resumable: (r == "true" || r == "1") && c.srv.cfg.ResumeTimeout > 0}
	b := []byte("<enabled xmlns='" + nsSM + "' id='" + e.sm.id + "'")
	if e.sm.resumable {
		b = append(b, " resume='true' max='"+strconv.Itoa(int(c.srv.cfg.ResumeTimeout.Seconds()))+"'"...)
		c.srv.rememberResumable(e.sm.id, e)
	}
	b = append(b, "/>"...)
	c.log.Debug("stream management enabled", "resumable", e.sm.resumable)
	// Written under the endpoint's lock, so that every stanza counted
	// from now on follows <enabled/> on the wire.
	return c.send(b)
}

func (c *Conn) answerRequest() error {
	if c.ep == nil || c.ep.sm == nil {
		return stream.NewError("unsupported-stanza-type", "stream management is not enabled")
	}
	c.ep.mu.Lock()
	h := c.ep.sm.inbound
	c.ep.mu.Unlock()
	return c.send([]byte("<a xmlns='" + nsSM + "' h='" + strconv.FormatUint(uint64(h), 10) + "'/>"))
}

func (c *Conn) receiveAck(el *stream.Element) error {
	h, ok := parseH(el)
	if c.ep == nil || !ok {
		return stream.NewError("unsupported-stanza-type", "unexpected acknowledgement")
	}
	c.ep.mu.Lock()
	defer c.ep.mu.Unlock()
	if c.ep.sm == nil {
		return stream.NewError("unsupported-stanza-type", "stream management is not enabled")
	}
	if !c.ep.sm.ack(h) {
		return stream.NewError("undefined-condition", "acknowledged more stanzas than were sent")
	}
	return nil
}

// countInbound counts a stanza handled from the client.
func (c *Conn) countInbound() {
	if c.ep == nil {
		return
	}
	c.ep.mu.Lock()
	if c.ep.sm != nil {
		c.ep.sm.inbound++
	}
	c.ep.mu.Unlock()
}

// resumeSM takes over a session the client left (XEP-0198 §5): the
// acknowledged part of the queue is dropped and the rest sent again on
// this connection, after <resumed/>.
func (c *Conn) resumeSM(el *stream.Element) error {
	if c.state&stateAuthenticated == 0 || c.state&stateBound != 0 {
		return c.send(smFailed("unexpected-request"))
	}
	h, ok := parseH(el)
	e := c.srv.takeResumable(el.Attr("previd"), c.username)
	if e == nil || !ok {
		c.log.Debug("resumption refused: unknown or expired session", "previd", el.Attr("previd"))
		return c.send(smFailed("item-not-found"))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.conn; old != nil {
		// The client came back before we noticed the old connection die;
		// the old one no longer owns the session.
		e.conn = nil
		old.out.abort()
	}
	if e.expiry != nil {
		e.expiry.Stop()
		e.expiry = nil
	}
	if !e.sm.ack(h) {
		return stream.NewError("undefined-condition", "acknowledged more stanzas than were sent")
	}
	e.conn = c
	c.ep = e
	c.sess = e.sess
	c.state |= stateBound
	c.log = c.log.With("jid", e.sess.Full)
	b := []byte("<resumed xmlns='" + nsSM + "' h='" + strconv.FormatUint(uint64(e.sm.inbound), 10) + "' previd='" + e.sm.id + "'/>")
	if err := c.send(b); err != nil {
		return err
	}
	for _, q := range e.sm.queue {
		if err := c.send(q); err != nil {
			return err
		}
	}
	c.log.Debug("session resumed", "resent", len(e.sm.queue))
	return nil
}
