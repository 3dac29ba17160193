package s2s

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

type enqueueResult uint8

const (
	queued enqueueResult = iota
	full
	ended // the stream is gone; make another
)

// item is a stanza waiting for the stream. retried: it was queued on a
// stream that ended before writing it, and is not tried a third time.
type item struct {
	b       []byte
	retried bool
}

// outbound is this server's stream to one remote domain: set up on first
// use, then written by run alone, and closed when idle.
type outbound struct {
	s      *Server
	local  string // the hosted domain the stream speaks for
	domain string
	log    hclog.Logger

	mu    sync.Mutex
	queue []item
	ended bool
	wake  chan struct{} // something was queued

	// lastRead is when the peer last sent something (unix nanoseconds):
	// on a bidirectional stream its stanzas keep the stream from idling.
	lastRead atomic.Int64
}

func newOutbound(s *Server, local, domain string) *outbound {
	return &outbound{s: s, local: local, domain: domain, log: s.log.With("domain", domain, "local", local), wake: make(chan struct{}, 1)}
}

func (o *outbound) put(it item) enqueueResult {
	o.mu.Lock()
	switch {
	case o.ended:
		o.mu.Unlock()
		return ended
	case len(o.queue) >= o.s.cfg.Queue:
		o.mu.Unlock()
		return full
	}
	o.queue = append(o.queue, it)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return queued
}

// end marks the stream gone and returns what was still queued.
func (o *outbound) end() []item {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = true
	q := o.queue
	o.queue = nil
	return q
}

// run sets the stream up, then writes what is queued until the stream
// ends, is idle too long, or the server shuts down.
func (o *outbound) run(ctx context.Context) {
	defer o.s.forget(o)
	if c := o.s.bidiFor(o.local, o.domain); c != nil {
		o.writeVia(ctx, c)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, o.s.cfg.ConnectTimeout)
	p, how, err := o.s.establish(cctx, o.local, o.domain)
	timedOut := cctx.Err() == context.DeadlineExceeded || isTimeout(err)
	cancel()
	if err != nil {
		cond := stanza.RemoteServerNotFound
		switch {
		case ctx.Err() != nil:
			o.bounceAll(o.end(), errShutdown)
			return
		case timedOut:
			cond = stanza.RemoteServerTimeout
		}
		q := o.end()
		retry := o.s.unreachable(o.domain)
		o.log.Warn("cannot reach a remote server; the stanzas for it are bounced", "error", err, "bounced", len(q), "retry_after", retry)
		o.bounceAll(q, stanza.Errorf(cond, "cannot reach "+o.domain))
		return
	}
	o.s.reached(o.domain)
	o.log.Info("stream to a remote server established", "auth", how, "tls", p.secure, "bidi", p.bidi)
	defer o.log.Info("stream to a remote server closed")
	o.write(ctx, p)
}

// write is the established stream's one writer.
func (o *outbound) write(ctx context.Context, p *peer) {
	defer p.nc.Close()
	p.nc.SetDeadline(time.Time{})
	readerDone := make(chan struct{})
	go o.read(p, readerDone)
	idle := time.NewTimer(o.s.cfg.IdleTimeout)
	defer idle.Stop()
	var buf []byte
	for {
		o.mu.Lock()
		batch := o.queue
		o.queue = nil
		o.mu.Unlock()
		if len(batch) > 0 {
			buf = buf[:0]
			for _, it := range batch {
				buf = append(buf, it.b...)
			}
			if err := p.write(buf, o.s.cfg.WriteTimeout); err != nil {
				// What was written in part may have arrived: bounced, not
				// sent twice.
				o.log.Warn("writing to a remote server failed; the stanzas not known to have arrived are bounced", "error", err)
				o.bounceAll(append(batch, o.end()...), stanza.Errorf(stanza.RemoteServerNotFound, "the stream to "+o.domain+" broke"))
				return
			}
			idle.Reset(o.s.cfg.IdleTimeout)
			continue
		}
		select {
		case <-o.wake:
		case <-idle.C:
			if since := time.Since(time.Unix(0, o.lastRead.Load())); since < o.s.cfg.IdleTimeout {
				idle.Reset(o.s.cfg.IdleTimeout - since)
				continue
			}
			o.mu.Lock()
			if len(o.queue) > 0 {
				o.mu.Unlock()
				continue
			}
			o.ended = true
			o.mu.Unlock()
			o.log.Debug("closing an idle stream to a remote server")
			p.write([]byte(stream.Close), o.s.cfg.WriteTimeout)
			o.awaitClose(p, readerDone)
			return
		case <-readerDone:
			o.retry(o.end())
			return
		case <-ctx.Done():
			o.bounceAll(o.end(), errShutdown)
			p.write([]byte(stream.Close), o.s.cfg.WriteTimeout)
			o.awaitClose(p, readerDone)
			return
		}
	}
}

// awaitClose gives the peer a moment to close its side.
func (o *outbound) awaitClose(p *peer, readerDone <-chan struct{}) {
	select {
	case <-readerDone:
	case <-time.After(o.s.cfg.WriteTimeout):
	}
}

// read reads the peer's side of the stream: its end, and, on a
// bidirectional stream, the peer's stanzas for this server (otherwise an
// outbound stream is one-way, RFC 6120 §4.2.2).
func (o *outbound) read(p *peer, done chan<- struct{}) {
	defer close(done)
	ps := peerStream{id: p.id, secure: p.secure, log: o.log, mayFrom: func(d string) bool { return d == p.domain }}
	var buf []byte
	for {
		el, err := p.dec.Next()
		if err != nil {
			var se *stream.Error
			if errors.As(err, &se) {
				o.log.Warn("the stream to a remote server broke", "condition", se.Condition, "text", se.Text)
			} else {
				o.log.Debug("the remote server closed the stream", "error", err)
			}
			return
		}
		if el.Name == (stream.Name{Space: stream.NSStream, Local: "error"}) {
			o.log.Warn("a remote server closed the stream with an error", "error", string(el.Inner()))
			return
		}
		o.lastRead.Store(time.Now().UnixNano())
		if p.bidi && el.Name.Space == NS && (el.Name.Local == "message" || el.Name.Local == "presence" || el.Name.Local == "iq") {
			if err := o.s.fromPeer(o.s.ctx, el, &buf, ps); err != nil {
				var se *stream.Error
				if errors.As(err, &se) {
					p.write(append(stream.AppendError(nil, se), stream.Close...), o.s.cfg.WriteTimeout)
				}
				p.nc.Close()
				return
			}
			continue
		}
		o.log.Debug("ignoring an element on an outbound stream", "name", el.Name.Local)
	}
}

// retry queues again, on a new stream, the stanzas of a stream that
// ended before writing them; those already retried once are bounced.
func (o *outbound) retry(q []item) {
	for _, it := range q {
		if it.retried {
			o.s.bounce(it.b, stanza.Errorf(stanza.RemoteServerNotFound, "the stream to "+o.domain+" ended"))
			continue
		}
		o.s.resend(o.local, o.domain, item{b: it.b, retried: true})
	}
}

func (o *outbound) bounceAll(q []item, e *stanza.Error) {
	for _, it := range q {
		o.s.bounce(it.b, e)
	}
}

// establish opens, secures and authenticates a stream from the hosted
// domain local to domain. It returns how this server authenticated.
func (s *Server) establish(ctx context.Context, local, domain string) (*peer, string, error) {
	p, err := s.connect(ctx, local, domain)
	if err != nil {
		return nil, "", err
	}
	how, err := s.authenticate(p)
	if err != nil {
		p.nc.Close()
		return nil, "", err
	}
	return p, how, nil
}

// authenticate proves this server's domain to the peer: SASL EXTERNAL
// when the peer offers it on a secure stream, else dialback where
// allowed. A peer whose own certificate does not prove its domain is
// accepted only where dialback is allowed (then DNS is what names it, as
// XEP-0220 §1 says).
func (s *Server) authenticate(p *peer) (string, error) {
	if p.certErr != nil && !s.cfg.Dialback {
		return "", fmt.Errorf("the certificate of %s does not prove its domain, and s2s.dialback is off: %w", p.domain, p.certErr)
	}
	// Bidirectionality is asked for before authenticating (XEP-0288
	// §2.2), on a secure stream where TLS is required.
	if s.cfg.Bidi && p.feat.bidi && (p.secure || !s.cfg.TLSRequired) {
		if _, err := p.nc.Write([]byte("<bidi xmlns='" + NSBidi + "'/>")); err != nil {
			return "", fmt.Errorf("asking %s for a bidirectional stream: %w", p.domain, err)
		}
		p.bidi = true
	}
	if p.secure && p.feat.external {
		ok, err := s.saslExternal(p)
		if err != nil {
			return "", err
		}
		if ok {
			return "SASL EXTERNAL", nil
		}
		if !s.cfg.Dialback {
			return "", fmt.Errorf("%s refused SASL EXTERNAL with this server's certificate, and s2s.dialback is off", p.domain)
		}
	}
	switch {
	case !s.cfg.Dialback:
		return "", fmt.Errorf("%s does not offer SASL EXTERNAL, and s2s.dialback is off", p.domain)
	case !p.feat.dialback:
		return "", fmt.Errorf("%s offers neither SASL EXTERNAL for this server's certificate nor dialback", p.domain)
	}
	key := s.dialbackKey(p.domain, p.local, p.id)
	if _, err := p.nc.Write(dialbackElement("result", [][2]string{{"from", p.local}, {"to", p.domain}}, key)); err != nil {
		return "", fmt.Errorf("sending db:result to %s: %w", p.domain, err)
	}
	for {
		el, err := p.dec.Next()
		if err != nil {
			return "", fmt.Errorf("waiting for %s's dialback answer: %w", p.domain, err)
		}
		if el.Name != (stream.Name{Space: NSDialback, Local: "result"}) {
			continue
		}
		if el.Attr("type") != "valid" {
			return "", fmt.Errorf("%s refused dialback (type %q)", p.domain, el.Attr("type"))
		}
		return "dialback", nil
	}
}

// saslExternal authenticates with the certificate (RFC 6120 §6.4,
// XEP-0178), the authorization identity being this server's domain; on
// success the stream restarts.
func (s *Server) saslExternal(p *peer) (bool, error) {
	authz := base64.StdEncoding.EncodeToString([]byte(p.local))
	if _, err := p.nc.Write([]byte("<auth xmlns='" + stream.NSSASL + "' mechanism='EXTERNAL'>" + authz + "</auth>")); err != nil {
		return false, fmt.Errorf("authenticating to %s: %w", p.domain, err)
	}
	el, err := p.dec.Next()
	if err != nil {
		return false, fmt.Errorf("authenticating to %s: %w", p.domain, err)
	}
	switch el.Name {
	case stream.Name{Space: stream.NSSASL, Local: "success"}:
		p.dec.Restart()
		return true, s.open(p)
	case stream.Name{Space: stream.NSSASL, Local: "failure"}:
		s.log.Debug("SASL EXTERNAL refused", "domain", p.domain, "failure", string(bytes.TrimSpace(el.Inner())))
		return false, nil
	}
	return false, fmt.Errorf("%s answered SASL with <%s/>", p.domain, el.Name.Local)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}
