package c2s

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// state is what a stream has negotiated so far.
type state uint8

const (
	stateSecure state = 1 << iota
	stateAuthenticated
	stateBound
)

// Conn is one client connection. Its serve goroutine reads and handles
// everything the client sends; anything may write to it through the
// outbox.
type Conn struct {
	srv       *Server
	raw       net.Conn
	conn      net.Conn // raw, or the TLS connection over it
	directTLS bool
	framing   Framing
	// tlsState is the TLS under the stream: negotiated here, or the
	// HTTPS connection a WebSocket runs over. nil while unencrypted.
	tlsState *tls.ConnectionState
	out      *outbox
	dec      *stream.Decoder
	log      hclog.Logger
	id       string // of the first stream; the session id

	// Owned by the serve goroutine.
	state    state
	streamID string
	lang     string
	username string
	// domain is the hosted domain the stream is for: its header's to
	// (RFC 6120 §4.7.2), the primary domain until one names another.
	domain   string
	sess     *session.Session
	ep       *endpoint
	failures int
	exchange *saslExchange
	sasl2    bool // the latest authentication attempt is XEP-0388's
	restart  bool // open a new stream before reading on
	// negotiationFailures are failed authentications that tested no
	// credential (sasl.Failure.Negotiation).
	negotiationFailures int
	// preauthDeadline is when an unauthenticated stream is cut off.
	preauthDeadline time.Time
	buf             []byte
	// seq is the stream-management number of the stanza being handled,
	// when seqCounted.
	seq        uint32
	seqCounted bool

	mu         sync.Mutex // guards headerSent against Close from elsewhere
	headerSent bool
	closed     bool
	// ended: the stream was closed on purpose (by either side), so the
	// session ends with it instead of waiting to be resumed.
	ended atomic.Bool

	release func() // gives the connection back to the per-address limits
	shaper  *limiter.Shaper
}

func newConn(s *Server, nc net.Conn, directTLS bool, f Framing) *Conn {
	c := &Conn{srv: s, raw: nc, conn: nc, directTLS: directTLS, framing: f, id: randomID(8), domain: s.cfg.Domain}
	c.log = s.log.With("conn_id", c.id, "remote", nc.RemoteAddr().String())
	c.out = newOutbox(&s.bufs, nc, s.cfg.SendQueueBytes, s.cfg.WriteTimeout, c.writeFailed)
	c.dec = stream.NewDecoder(deadlineReader{c}, s.cfg.PreauthLimits)
	c.setLimits(s.cfg.PreauthLimits)
	c.shaper = limiter.NewShaper(s.cfg.RateBytes, s.cfg.RateBurst)
	c.release = func() {}
	return c
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// deadlineReader pushes the idle deadline forward on every read once the
// client has authenticated; before that the absolute pre-auth deadline set
// at accept time stands, so trickling bytes does not keep a stream alive.
type deadlineReader struct{ c *Conn }

func (r deadlineReader) Read(p []byte) (int, error) {
	c := r.c
	if c.state&stateAuthenticated != 0 {
		switch {
		case c.srv.cfg.IdleTimeout > 0:
			c.conn.SetReadDeadline(time.Now().Add(c.srv.cfg.IdleTimeout))
		case !c.preauthDeadline.IsZero():
			// No idle timeout: the pre-auth deadline must not outlive
			// authentication either.
			c.conn.SetReadDeadline(time.Time{})
			c.preauthDeadline = time.Time{}
		}
	}
	n, err := c.conn.Read(p)
	if n > 0 {
		// Traffic shaping: waiting here slows the client through TCP.
		c.shaper.Consume(context.Background(), n)
	}
	return n, err
}

func (c *Conn) serve(ctx context.Context) {
	defer c.release()
	defer c.srv.forget(c)
	defer c.cleanup()
	c.log.Debug("connection accepted", "direct_tls", c.directTLS)
	c.preauthDeadline = time.Now().Add(c.srv.cfg.PreauthTimeout)
	c.raw.SetReadDeadline(c.preauthDeadline)
	if c.directTLS {
		if err := c.handshake(false); err != nil {
			c.log.Debug("direct TLS handshake failed", "error", err)
			c.out.abort()
			return
		}
	}
	c.restart = true
	for {
		if c.restart {
			c.restart = false
			if err := c.openStream(); err != nil {
				c.fail(err)
				return
			}
		}
		el, err := c.dec.Next()
		if err != nil {
			c.fail(err)
			return
		}
		c.traceReceived(el)
		if err := c.handle(ctx, el); err != nil {
			c.fail(err)
			return
		}
	}
}

// cleanup hands the session to its endpoint, which ends it or keeps it
// for resumption, and makes sure the socket is closed.
func (c *Conn) cleanup() {
	if c.ep != nil {
		c.ep.connectionLost(c, !c.ended.Load())
	}
	select {
	case <-c.out.done:
	case <-time.After(c.srv.cfg.WriteTimeout):
		c.out.abort()
	}
}

// fail ends the stream because of err: a stream error is sent, a client
// that closed its stream gets ours closed too, a broken socket is dropped.
func (c *Conn) fail(err error) {
	var se *stream.Error
	switch {
	case errors.As(err, &se):
		c.log.Debug("closing stream with error", "condition", se.Condition, "text", se.Text)
		c.Close(se)
	case errors.Is(err, io.EOF):
		c.log.Debug("client closed the stream")
		c.Close(nil)
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.log.Debug("stream timed out")
		// A silent client is what stream resumption exists for: the
		// session may wait for it, so this close is not "on purpose".
		c.closeStream(stream.NewError("connection-timeout", "no activity on the stream"))
	default:
		c.log.Debug("connection lost", "error", err)
		c.out.abort()
	}
}

// Close ends the stream and its session, first sending a stream error if
// err is not nil. It may be called from any goroutine, more than once.
func (c *Conn) Close(err *stream.Error) {
	c.ended.Store(true)
	c.closeStream(err)
}

func (c *Conn) closeStream(err *stream.Error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	var b []byte
	if !c.headerSent {
		b = c.framing.appendOpen(b, stream.Header{From: c.domain, ID: randomID(8), Version: "1.0"})
		c.headerSent = true
	}
	c.mu.Unlock()
	if err != nil {
		b = stream.AppendError(b, err)
	}
	b = c.framing.appendClose(b)
	c.out.closeAfter(b)
}

// deliver queues b for the client; a client that does not read is cut off.
func (c *Conn) deliver(b []byte) bool {
	c.traceSent(b)
	err := c.out.write(b)
	if errors.Is(err, errOverflow) {
		c.log.Warn("closing a stream whose client does not read", "queued_bytes_limit", c.srv.cfg.SendQueueBytes)
		c.Close(stream.NewError("policy-violation", "too much data queued for this client"))
	}
	return err == nil
}

// send queues bytes the connection generates itself. An error means the
// stream is closing or the client is not reading; either ends the stream.
func (c *Conn) send(b []byte) error {
	c.traceSent(b)
	return c.out.write(b)
}

func (c *Conn) writeFailed(err error) {
	c.log.Debug("write failed", "error", err)
	c.out.abort()
}
