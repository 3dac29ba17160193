package c2s

import (
	"bytes"
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
	ended    bool
}

// maxHeld bounds the presence held for an inactive client; past it the
// client gets everything, as if it had become active.
const maxHeld = 1000

func newEndpoint(srv *Server, c *Conn) *endpoint {
	return &endpoint{srv: srv, conn: c}
}

// Deliver implements session.Sink.
func (e *endpoint) Deliver(b []byte) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ended {
		return false
	}
	if e.inactive && isPresence(b) {
		e.hold(b)
		return true
	}
	return e.deliverLocked(b)
}

func (e *endpoint) deliverLocked(b []byte) bool {
	if e.sm != nil {
		if !e.sm.enqueue(b, e.srv.cfg.MaxUnacked) {
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
	if e.sm != nil && e.sm.shouldRequest() {
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
		e.deliverLocked(b)
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
	if e.conn != c || e.ended {
		e.mu.Unlock()
		return // the session moved to another connection, or is over
	}
	e.conn = nil
	if broken && e.sm != nil && e.sm.resumable {
		timeout := e.srv.cfg.ResumeTimeout
		e.expiry = time.AfterFunc(timeout, func() { e.end(context.Background()) })
		e.mu.Unlock()
		c.log.Debug("connection lost; the session waits for the client to resume", "resume_timeout", timeout)
		return
	}
	e.mu.Unlock()
	e.end(context.Background())
}

// end finishes the session: unbound, announced to the plugins, and what
// the client never acknowledged goes back to routing (offline storage, or
// an error to the sender) instead of vanishing.
func (e *endpoint) end(ctx context.Context) {
	e.mu.Lock()
	if e.ended {
		e.mu.Unlock()
		return
	}
	e.ended = true
	if e.expiry != nil {
		e.expiry.Stop()
	}
	var unacked [][]byte
	if e.sm != nil {
		unacked = e.sm.queue
		e.sm.queue = nil
		e.srv.forgetResumable(e.sm.id)
	}
	e.mu.Unlock()

	e.srv.sessions.Remove(e.sess)
	e.srv.log.Debug("session ended", "jid", e.sess.Full, "unacknowledged", len(unacked))
	if ext := e.srv.cfg.Extensions; ext != nil {
		ext.SessionClosed(e.sess, e.sess.LastPresence())
	}
	for _, b := range unacked {
		e.srv.router.Redeliver(ctx, b, e.sess.JID)
	}
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
