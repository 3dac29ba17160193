package c2s

import (
	"bytes"
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// endpoint is a bound session's delivery side. It outlives connections:
// with stream management (XEP-0198) a client that loses its connection
// resumes the same session on a new one, and what was sent meanwhile waits
// here. It also holds back presence for an inactive client (XEP-0352).
type endpoint struct {
	srv  *Server
	sess *session.Session

	mu       sync.Mutex
	conn     *Conn    // attached connection; nil while detached
	sm       *smState // nil until the client enables stream management
	inactive bool
	held     [][]byte // presence held while inactive, oldest first
	heldFrom map[string]int
	expiry   *time.Timer // while detached
	// resuming is the connection taking the session over while the old
	// one's held stanzas finish; a later resumption supersedes it.
	resuming *Conn
	// ending: the session is over, but what inflight holds is processed
	// first; ended once it is.
	ending bool
	ended  bool
	// usesArchive: the client queried its archive (XEP-0313) on this
	// session, so it finds there what it never acknowledged.
	usesArchive bool

	// inflight holds the stanzas handed off the reader: those waiting for
	// a plugin, and those behind them.
	inflight *inflight
}

// maxHeld bounds the presence held for an inactive client; past it the
// client gets everything, as if it had become active.
const maxHeld = 1000

func newEndpoint(srv *Server, c *Conn) *endpoint {
	e := &endpoint{srv: srv, conn: c}
	e.inflight = newInflight(cmp.Or(srv.cfg.MaxInFlight, defaultMaxInFlight), srv.goWork, e.process)
	return e
}

// defaultMaxInFlight is the in-flight bound when the configuration names
// none.
const defaultMaxInFlight = 32

// process routes a stanza that inflight held: the rest of its routing
// from its plugin call on, or the whole of it once its turn came. Its
// plugin calls are made here, on inflight's worker.
func (e *endpoint) process(ctx context.Context, j *job) {
	if j.run != nil {
		j.run(ctx)
		return
	}
	e.srv.router.Route(ctx, e.sess, j.el, nil, nil)
}

// handled is the h stream management reports, e.mu held.
func (e *endpoint) handled() uint32 {
	return e.inflight.handled(e.sm.inbound)
}

// Deliver implements session.Sink.
func (e *endpoint) Deliver(b []byte) bool { return e.deliver(b, false) }

// DeliverShared implements session.Sink.
func (e *endpoint) DeliverShared(b []byte) bool { return e.deliver(b, true) }

func (e *endpoint) deliver(b []byte, shared bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ended {
		return false
	}
	if e.inactive && isPresence(b) {
		e.hold(b)
		return true
	}
	return e.deliverLocked(b, shared)
}

// deliverLocked sends b, counted and kept for stream management when it is
// on; shared is what the queue keeps (see unacked).
func (e *endpoint) deliverLocked(b []byte, shared bool) bool {
	if e.sm != nil {
		if !e.sm.enqueue(b, shared, e.srv.cfg.MaxUnacked) {
			if e.conn != nil {
				e.conn.log.Warn("closing a stream whose client does not acknowledge stanzas", "unacked", len(e.sm.queue))
				e.conn.Close(stream.NewError("policy-violation", "too many unacknowledged stanzas"))
			}
			return false
		}
	}
	if e.conn == nil {
		return e.sm != nil // queued for resumption
	}
	if !e.conn.deliver(b) {
		return e.sm != nil
	}
	if e.sm != nil && e.sm.requestNow() {
		e.conn.deliver([]byte(smRequest))
	}
	return true
}

// isPresence tells presence from the rest by its first bytes; a prefixed
// presence element passes as not presence, which only means it is not held.
func isPresence(b []byte) bool { return bytes.HasPrefix(b, []byte("<presence")) }

// hold keeps the latest presence of each sender for an inactive client.
func (e *endpoint) hold(b []byte) {
	from := attrValue(b, "from")
	if i, ok := e.heldFrom[from]; ok {
		e.held[i] = bytes.Clone(b)
		return
	}
	if len(e.held) >= maxHeld {
		e.flushHeld()
	}
	if e.heldFrom == nil {
		e.heldFrom = map[string]int{}
	}
	e.heldFrom[from] = len(e.held)
	e.held = append(e.held, bytes.Clone(b))
}

func (e *endpoint) flushHeld() {
	held := e.held
	e.held, e.heldFrom = nil, nil
	for _, b := range held {
		e.deliverLocked(b, false)
	}
}

// setActive applies <active/> and <inactive/>.
func (e *endpoint) setActive(active bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inactive = !active
	if active {
		e.flushHeld()
	}
}

// Close implements session.Sink: it ends the session, with a stream error
// for the client when it is connected.
func (e *endpoint) Close(err *stream.Error) {
	e.mu.Lock()
	c := e.conn
	e.mu.Unlock()
	if c != nil {
		c.Close(err)
		return
	}
	e.end(context.Background())
}

// connectionLost decides, when c's connection is over, whether the session
// waits for the client to resume (a connection that broke, with
// resumption enabled) or ends now.
func (e *endpoint) connectionLost(c *Conn, broken bool) {
	e.mu.Lock()
	if e.conn != c || e.ending {
		e.mu.Unlock()
		return // the session moved to another connection, or is over
	}
	e.conn = nil
	if broken && e.sm != nil && e.sm.resumable {
		timeout := e.srv.cfg.ResumeTimeout
		e.expiry = time.AfterFunc(timeout, func() { e.end(context.Background()) })
		// Set before the queue is read: a message delivered from now on is
		// reported by the router, one delivered before is in the queue.
		e.sess.Detached.Store(true)
		unseen := e.sm.lastUnackedMessage()
		e.mu.Unlock()
		c.log.Debug("connection lost; the session waits for the client to resume", "resume_timeout", timeout)
		if unseen != nil {
			// Written to a connection that was already dead, most likely.
			e.srv.router.ReportHeld(e.sess.Bare, unseen)
		}
		return
	}
	e.mu.Unlock()
	e.end(context.Background())
}

// settleAnswer records that the client answered an IQ request, with a
// response carrying to and id, so that the session ending before the
// client acknowledges the request does not answer it a second time.
func (e *endpoint) settleAnswer(to, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sm != nil {
		e.sm.settleAnswer(to, id, e.sess.Bare, e.sess.JID.Domain)
	}
}

// queriedArchive records that the client reads its archive.
func (e *endpoint) queriedArchive() {
	e.mu.Lock()
	e.usesArchive = true
	e.mu.Unlock()
}

// end finishes the session: unbound, announced to the plugins, and what
// the client never acknowledged and did not get another way goes back to
// routing (offline storage, or an error to the sender) instead of
// vanishing. What the client sent before is processed first, by
// inflight's last worker when it holds any: the stanzas were read, and an
// unavailable presence must not be followed by the session's earlier
// stanzas.
func (e *endpoint) end(ctx context.Context) {
	e.mu.Lock()
	if e.ending {
		e.mu.Unlock()
		return
	}
	e.ending = true
	if e.expiry != nil {
		e.expiry.Stop()
	}
	e.mu.Unlock()
	e.inflight.whenIdle(func() { e.finish(ctx) })
}

func (e *endpoint) finish(ctx context.Context) {
	e.mu.Lock()
	e.ended = true
	var pending []unacked
	if e.sm != nil {
		pending = e.sm.queue
		e.sm.queue = nil
		e.srv.forgetResumable(e.sm.id)
	}
	usesArchive := e.usesArchive
	e.mu.Unlock()

	e.srv.sessions.Remove(e.sess)
	if ext := e.srv.cfg.Extensions; ext != nil {
		ext.SessionClosed(e.sess, e.sess.LastPresence())
	}
	// A stanza shared with sessions that have all gone too would
	// otherwise be owed by none of them.
	others := len(e.srv.sessions.Resources(e.sess.Bare)) > 0
	redelivered := 0
	for _, q := range pending {
		if q.owed(others) && e.srv.router.Redeliver(ctx, q.b, e.sess.JID, usesArchive) {
			redelivered++
		}
	}
	e.srv.log.Debug("session ended", "jid", e.sess.Full, "unacknowledged", len(pending), "redelivered", redelivered)
}

// attrValue finds a single-quoted or double-quoted attribute in the start
// tag of b, for bytes the server wrote itself.
func attrValue(b []byte, name string) string {
	end := bytes.IndexByte(b, '>')
	if end < 0 {
		return ""
	}
	tag := b[:end]
	for _, q := range []byte{'\'', '"'} {
		key := append([]byte(" "+name+"="), q)
		if i := bytes.Index(tag, key); i >= 0 {
			rest := tag[i+len(key):]
			if j := bytes.IndexByte(rest, q); j >= 0 {
				return string(rest[:j])
			}
		}
	}
	return ""
}
