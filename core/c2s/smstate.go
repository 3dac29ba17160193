package c2s

import (
	"bytes"
)

// smState counts stanzas both ways and keeps what the client has not
// acknowledged (XEP-0198). Its fields are guarded by the endpoint's mutex,
// except inbound, which only the serve goroutine of the attached
// connection touches between attachments.
type smState struct {
	id        string
	resumable bool
	inbound   uint32    // stanzas taken from the client; h is those of them processed (endpoint.handled)
	sent      uint32    // stanzas sent to the client
	queue     []unacked // queue[i] is stanza number sent-len(queue)+i+1
	// requested: an <r/> went out, after stanza number requestedAt, and
	// no <a/> has come back since. One request at a time keeps the
	// acknowledgements to about one per round trip however fast stanzas
	// flow, as Prosody's mod_smacks does.
	requested   bool
	requestedAt uint32
}

// unacked is a stanza sent to the client that it has not acknowledged.
type unacked struct {
	b []byte
	// shared: the stanza also reached another of the account's sessions
	// live (a message to several resources, a carbon); it is owed again
	// only if none of them is left when this session ends.
	shared bool
	// answered: an IQ request the client answered; never owed again
	// (RFC 6120 §8.2.3 allows one response).
	answered bool
}

// owed reports whether the session ending leaves the account without the
// stanza, when other sessions of the account are bound or not.
func (q unacked) owed(others bool) bool { return !q.answered && (!q.shared || !others) }

func (s *smState) enqueue(b []byte, shared bool, max int) bool {
	if max > 0 && len(s.queue) >= max {
		return false
	}
	s.queue = append(s.queue, unacked{b: bytes.Clone(b), shared: shared})
	s.sent++
	return true
}

// requestNow reports whether to ask the client for an acknowledgement now,
// and if so counts the request as sent: something is unacknowledged, no
// request is out, and something was sent since the last one. Asking after
// every burst, not every so many stanzas, is what leaves a client that
// answers with nothing unacknowledged when its session ends.
func (s *smState) requestNow() bool {
	if s.requested || len(s.queue) == 0 || s.sent == s.requestedAt {
		return false
	}
	s.requested, s.requestedAt = true, s.sent
	return true
}

// acceptable reports whether h acknowledges no more than was sent
// (XEP-0198 §4).
func (s *smState) acceptable(h uint32) bool {
	acked := s.sent - uint32(len(s.queue))
	return h-acked <= uint32(len(s.queue)) // wraps correctly at 2^32, as XEP-0198 counters do
}

// ack drops what the client acknowledged with h, which must be
// acceptable. Any acknowledgement answers the request that is out.
func (s *smState) ack(h uint32) {
	n := h - (s.sent - uint32(len(s.queue)))
	clear(s.queue[:n])
	s.queue = s.queue[n:]
	s.requested = false
}

// settleAnswer marks the IQ request that a response from the client
// answers; to and id are the response's. A response without 'to' answers
// the server or the account itself (RFC 6120 §10.3.3).
func (s *smState) settleAnswer(to, id, self, domain string) {
	for i := len(s.queue) - 1; i >= 0; i-- {
		q := &s.queue[i]
		if q.answered || !isIQRequest(q.b) || attrValue(q.b, "id") != id {
			continue
		}
		from := attrValue(q.b, "from")
		if from == to || to == "" && (from == "" || from == self || from == domain) {
			q.answered = true
			return
		}
	}
}

// isIQRequest tells an IQ get or set from the rest, for bytes the server
// wrote itself.
func isIQRequest(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("<iq")) {
		return false
	}
	t := attrValue(b, "type")
	return t == "get" || t == "set"
}

// lastUnackedMessage returns the newest chat or normal message with a
// body that the client has not acknowledged, nil if none: what a client
// whose connection died may never have received. A copy of the client's
// own message (a sent carbon) or of its archive (a query's result) is
// nothing new to it.
func (s *smState) lastUnackedMessage() []byte {
	for i := len(s.queue) - 1; i >= 0; i-- {
		b := s.queue[i].b
		if !bytes.HasPrefix(b, []byte("<message")) || !bytes.Contains(b, []byte("<body")) {
			continue
		}
		switch attrValue(b, "type") {
		case "", "normal", "chat":
		default:
			continue
		}
		if bytes.Contains(b, []byte("<sent xmlns='urn:xmpp:carbons:2'")) || bytes.Contains(b, []byte("xmlns='urn:xmpp:mam:")) {
			continue
		}
		return b
	}
	return nil
}
