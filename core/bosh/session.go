package bosh

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// session is one BOSH session (XEP-0124): the requests its client has
// open, processed in rid order, and what c2s said that no response has
// carried yet.
type session struct {
	h      *Handler
	domain string // the hosted domain the session is for: its creation request's to
	sid    string
	lang   string
	log    hclog.Logger
	pipe   *pipe

	// Agreed at creation.
	wait, inactivity, polling time.Duration
	hold, requests            int

	mu sync.Mutex
	// next is the rid expected next; every rid below it was processed.
	next   uint64
	early  map[uint64]*exchange // arrived before their turn
	held   []*exchange          // processed, waiting for something to carry; oldest first
	queued []byte               // standalone elements for the next response
	sent   []sentBody           // the last responses, for a client that asks again
	authid string
	// restartable: SASL succeeded and c2s waits for a new stream.
	restartable bool
	// lastPoll is when a polling session's last empty request came, and
	// lastEmpty says its answer carried nothing (XEP-0124 §12).
	lastPoll  time.Time
	lastEmpty bool
	idle      *time.Timer
	idleFor   time.Duration // the next period without requests allowed
	ended     bool
	endCond   string // "" when the client ended the session
	endErr    []byte // the stream error behind remote-stream-error
}

// exchange is one request waiting for its response.
type exchange struct {
	req      *request
	creation bool
	done     chan []byte // the response; nil for a client that asked again on another connection
	timer    *time.Timer // the session's wait
}

type sentBody struct {
	rid  uint64
	body []byte
}

// Terminal binding conditions (XEP-0124 §17.2) this connection manager
// sends. host-gone, see-other-uri and remote-connection-failed concern a
// connection manager apart from the server: here the server is the same
// process.
const (
	condBadRequest         = "bad-request"
	condHostUnknown        = "host-unknown"
	condImproperAddressing = "improper-addressing"
	condInternal           = "internal-server-error"
	condItemNotFound       = "item-not-found"
	condOtherRequest       = "other-request"
	condPolicyViolation    = "policy-violation"
	condRemoteStreamError  = "remote-stream-error"
	condSystemShutdown     = "system-shutdown"
	condUndefined          = "undefined-condition"
)

func newExchange(req *request) *exchange {
	return &exchange{req: req, done: make(chan []byte, 1)}
}

// handle runs one request and returns its response; nil if ctx ended
// first (the client went away: the response is kept for when it asks
// again).
func (s *session) handle(ctx context.Context, req *request) []byte {
	s.mu.Lock()
	done := s.admit(req)
	s.mu.Unlock()
	s.log.Debug("BOSH request taken", "rid", req.rid)
	select {
	case b := <-done:
		return b
	case <-ctx.Done():
		return nil
	}
}

// admit places a request in the session and returns where its response
// will come.
func (s *session) admit(req *request) <-chan []byte {
	x := newExchange(req)
	switch {
	case s.ended:
		s.answerEnded(x)
		return x.done
	case req.rid < s.next:
		return s.repeated(x)
	case s.early[req.rid] != nil:
		// Asked again before its turn came: the new connection waits in
		// the old one's place.
		y := s.early[req.rid]
		close(y.done)
		y.done = x.done
		return x.done
	case req.rid-s.next >= uint64(s.requests):
		s.fail(x, condItemNotFound, "rid beyond the window of requests")
		return x.done
	case len(s.held)+len(s.early) >= s.requests:
		s.fail(x, condPolicyViolation, "more simultaneous requests than allowed")
		return x.done
	}
	if req.rid > s.next {
		// Not taken yet: a session whose client never fills the gap
		// still ends when nothing is held for the inactivity period.
		s.early[req.rid] = x
		return x.done
	}
	s.stopIdle()
	for y := x; y != nil; y = s.early[s.next] {
		delete(s.early, y.req.rid)
		if cond, why := s.process(y); cond != "" {
			s.fail(y, cond, why)
			return x.done
		}
	}
	s.flush()
	return x.done
}

// repeated answers a request whose rid was processed: a client that lost
// the response asks again (XEP-0124 §14.3).
func (s *session) repeated(x *exchange) <-chan []byte {
	for _, sb := range s.sent {
		if sb.rid == x.req.rid {
			x.done <- sb.body
			return x.done
		}
	}
	for _, y := range s.held {
		if y.req.rid == x.req.rid {
			// Not answered yet: the new connection waits in its place.
			// The old one is dead or will be.
			close(y.done)
			y.done = x.done
			return x.done
		}
	}
	s.fail(x, condItemNotFound, "the response to that rid is no longer kept")
	return x.done
}

// process takes a request in its turn: what it carries goes to c2s, and
// it waits for something to carry back. It returns a terminal condition
// for a request that breaks the rules.
func (s *session) process(x *exchange) (cond, why string) {
	req := x.req
	s.next = req.rid + 1
	switch {
	case req.restart:
		if !s.restartable {
			return condBadRequest, "stream restart before authentication"
		}
		s.restartable = false
		s.pipe.feed(streamHeader(s.domain, s.lang))
	case !req.empty():
		s.pipe.feed(req.payload)
	case s.hold == 0 && !req.end && req.pause == 0:
		now := time.Now()
		if s.lastEmpty && now.Sub(s.lastPoll) < s.polling {
			return condPolicyViolation, "polling more often than every " + s.polling.String()
		}
		s.lastPoll = now
		fallthrough
	default:
		// An empty request is the client's keepalive: c2s sees whitespace.
		s.pipe.feed([]byte(" "))
	}
	if req.end {
		s.pipe.feed([]byte(stream.Close))
	}
	s.held = append(s.held, x)
	x.timer = time.AfterFunc(s.wait, func() { s.expire(x) })
	if req.pause > 0 && s.h.cfg.MaxPause > 0 {
		// XEP-0124 §10: every request is answered, and the session may
		// stay without one for the pause.
		s.idleFor = min(time.Duration(req.pause)*time.Second, s.h.cfg.MaxPause)
		for len(s.held) > 0 {
			s.answer(s.held[0])
		}
		return "", ""
	}
	// The request that ends the session waits for c2s to close it.
	for len(s.held) > s.hold && !s.held[0].req.end {
		s.answer(s.held[0])
	}
	return "", ""
}

// flush answers the oldest request if there is something to carry.
func (s *session) flush() {
	if s.ended {
		for len(s.held) > 0 {
			s.answer(s.held[0])
		}
		for rid, x := range s.early {
			delete(s.early, rid)
			s.answerEnded(x)
		}
		return
	}
	if len(s.queued) == 0 || len(s.held) == 0 {
		return
	}
	x := s.held[0]
	if x.req.end || x.creation && s.authid == "" {
		return
	}
	s.answer(x)
}

// answer sends x its response, with everything queued.
func (s *session) answer(x *exchange) {
	for i, y := range s.held {
		if y == x {
			s.held = append(s.held[:i], s.held[i+1:]...)
			break
		}
	}
	x.timer.Stop()
	if s.ended {
		s.answerEnded(x)
		return
	}
	body := s.body(x)
	s.lastEmpty = len(s.queued) == 0
	s.queued = nil
	s.sent = append(s.sent, sentBody{rid: x.req.rid, body: body})
	if len(s.sent) > s.requests {
		s.sent = s.sent[1:]
	}
	x.done <- body
	if len(s.held) == 0 {
		s.startIdle()
	}
}

// answerEnded tells a request that the session is over, with anything
// c2s said last; the session is forgotten once one has been told.
func (s *session) answerEnded(x *exchange) {
	x.done <- s.terminateBody(s.endCond, s.queued, s.endErr)
	s.queued, s.endErr = nil, nil
	s.h.forget(s)
}

// expire answers a request that waited as long as the client allowed.
func (s *session) expire(x *exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, y := range s.held {
		if y == x && !(x.req.end && !s.ended) {
			s.answer(x)
			return
		}
	}
}

// fail ends the session because of a request that broke the rules: it
// gets cond, every other open request other-request.
func (s *session) fail(x *exchange, cond, why string) {
	s.log.Debug("BOSH session terminated", "condition", cond, "reason", why, "rid", x.req.rid)
	if !s.ended {
		s.ended = true
		s.endCond = condOtherRequest
		s.pipe.hangUp()
	}
	s.flush()
	x.done <- s.terminateBody(cond, nil, nil)
	s.h.forget(s)
}

var errOverflow = errors.New("BOSH client does not collect what is queued for it")

// deliver takes what c2s wrote.
func (s *session) deliver(out output) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authid == "" {
		s.authid = out.authid
	}
	if out.saslSuccess {
		s.restartable = true
	}
	if len(s.queued)+len(out.data) > s.h.cfg.SendQueueBytes {
		s.log.Warn("closing a BOSH session whose client does not collect its data", "queued_bytes_limit", s.h.cfg.SendQueueBytes)
		return errOverflow
	}
	s.queued = append(s.queued, out.data...)
	if out.streamErr != nil {
		s.endErr = out.streamErr
		s.endCond = conditionOf(out.errCond)
	}
	if out.end && !s.ended {
		s.ended = true
		s.stopIdle()
		if len(s.held) == 0 && len(s.early) == 0 {
			// Kept for the client's next request, which learns why.
			s.idle = time.AfterFunc(s.inactivity, func() { s.h.forget(s) })
		}
	}
	s.flush()
	return nil
}

// conditionOf maps a stream error to the terminal binding condition that
// tells the client as much (XEP-0206 §7).
func conditionOf(streamCond string) string {
	switch streamCond {
	case condSystemShutdown, condHostUnknown:
		return streamCond
	}
	return condRemoteStreamError
}

// connClosed runs when c2s has closed the session's connection.
func (s *session) connClosed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	// Closed without a word: a write failed, or the server refused the
	// stream.
	s.ended = true
	s.endCond = condUndefined
	s.stopIdle()
	s.flush()
	s.h.forget(s)
}

func (s *session) startIdle() {
	s.stopIdle()
	d := s.idleFor
	s.idleFor = s.inactivity
	s.idle = time.AfterFunc(d, s.inactive)
}

func (s *session) stopIdle() {
	if s.idle != nil {
		s.idle.Stop()
		s.idle = nil
	}
}

// inactive ends a session whose client sent no request for too long, as
// c2s ends a silent TCP stream.
func (s *session) inactive() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.held) == 0 && !s.ended {
		s.log.Debug("BOSH session inactive")
		s.pipe.expire()
	}
}

// body is x's response: the session's attributes for a creation request
// (XEP-0124 §7.2, XEP-0206 §3), and what is queued.
func (s *session) body(x *exchange) []byte {
	b := []byte("<body xmlns='" + nsHTTPBind + "'")
	if x.creation {
		sec := func(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
		b = append(b, " sid='"+s.sid+"' wait='"+sec(s.wait)+"' inactivity='"+sec(s.inactivity)+
			"' polling='"+sec(s.polling)+"' requests='"+strconv.Itoa(s.requests)+"' hold='"+strconv.Itoa(s.hold)+"'"...)
		if s.h.cfg.MaxPause > 0 {
			b = append(b, " maxpause='"+sec(s.h.cfg.MaxPause)+"'"...)
		}
		b = append(b, " ver='1.11' from='"...)
		b = append(stream.AppendEscapedAttr(b, s.domain), "' authid='"...)
		b = append(stream.AppendEscapedAttr(b, s.authid), "' secure='true' xmlns:xmpp='"+nsXBOSH+"' xmpp:version='1.0' xmpp:restartlogic='true'"...)
	}
	if len(s.queued) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, " xmlns:stream='"+stream.NSStream+"'>"...)
	b = append(b, s.queued...)
	return append(b, "</body>"...)
}

// terminateBody ends a session: with a condition unless the client ended
// it, with what c2s said last.
func (s *session) terminateBody(cond string, data, streamErr []byte) []byte {
	return terminateBody(cond, append(data, streamErr...))
}

func terminateBody(cond string, payload []byte) []byte {
	b := []byte("<body xmlns='" + nsHTTPBind + "' type='terminate'")
	if cond != "" {
		b = append(b, " condition='"+cond+"'"...)
	}
	if len(payload) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, " xmlns:stream='"+stream.NSStream+"'>"...)
	b = append(b, payload...)
	return append(b, "</body>"...)
}
