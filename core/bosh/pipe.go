package bosh

import (
	"net"
	"os"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// pipe is the connection the c2s code serves a BOSH session over: it
// reads what the client's requests carried, as one stream, and what c2s
// writes goes to the session, element by element, for the next response.
type pipe struct {
	local, remote net.Addr
	out           *outbound

	mu       sync.Mutex
	in       []byte
	wake     chan struct{} // closed when in, the deadline or the state changes
	deadline time.Time
	idle     bool // the client stopped sending requests: reads time out
	hungUp   bool // the session was terminated under c2s: reads fail
	closed   bool
}

func newPipe(local, remote net.Addr, out *outbound) *pipe {
	return &pipe{local: local, remote: remote, out: out, wake: make(chan struct{})}
}

// signal wakes a waiting Read; p.mu is held.
func (p *pipe) signal() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// feed adds what a request carried to the stream c2s reads.
func (p *pipe) feed(b []byte) {
	p.mu.Lock()
	p.in = append(p.in, b...)
	p.signal()
	p.mu.Unlock()
}

// expire makes reads time out as a silent TCP client's would (XEP-0124
// inactivity): c2s closes the stream, or keeps the session for
// resumption (XEP-0198).
func (p *pipe) expire() {
	p.mu.Lock()
	p.idle = true
	p.signal()
	p.mu.Unlock()
}

// hangUp makes reads fail as on a broken connection: the session was
// terminated for breaking the rules of BOSH, and c2s drops it.
func (p *pipe) hangUp() {
	p.mu.Lock()
	p.hungUp = true
	p.signal()
	p.mu.Unlock()
}

func (p *pipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	for {
		switch {
		case len(p.in) > 0:
			n := copy(b, p.in)
			p.in = p.in[n:]
			if len(p.in) == 0 {
				p.in = nil
			}
			p.mu.Unlock()
			return n, nil
		case p.closed || p.hungUp:
			p.mu.Unlock()
			return 0, net.ErrClosed
		case p.idle:
			p.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		wake, deadline := p.wake, p.deadline
		p.mu.Unlock()
		var expired <-chan time.Time
		if !deadline.IsZero() {
			wait := time.Until(deadline)
			if wait <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			t := time.NewTimer(wait)
			expired = t.C
			defer t.Stop()
		}
		select {
		case <-wake:
		case <-expired:
			return 0, os.ErrDeadlineExceeded
		}
		p.mu.Lock()
	}
}

// Write hands c2s's output to the session.
func (p *pipe) Write(b []byte) (int, error) {
	if err := p.out.write(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *pipe) Close() error {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.signal()
	p.mu.Unlock()
	if !already {
		p.out.closed()
	}
	return nil
}

func (p *pipe) LocalAddr() net.Addr  { return p.local }
func (p *pipe) RemoteAddr() net.Addr { return p.remote }

func (p *pipe) SetDeadline(t time.Time) error { return p.SetReadDeadline(t) }

func (p *pipe) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	p.deadline = t
	p.signal()
	p.mu.Unlock()
	return nil
}

// SetWriteDeadline does nothing: writes never wait, the session's queue
// is bounded instead.
func (p *pipe) SetWriteDeadline(time.Time) error { return nil }

// streamHeader opens the stream c2s reads, at the session's start and at
// each restart (XEP-0206 §5).
func streamHeader(domain, lang string) []byte {
	h := []byte("<stream:stream xmlns='" + stream.NSClient + "' xmlns:stream='" + stream.NSStream + "' version='1.0' to='")
	h = append(stream.AppendEscapedAttr(h, domain), '\'')
	if lang != "" {
		h = append(h, " xml:lang='"...)
		h = append(stream.AppendEscapedAttr(h, lang), '\'')
	}
	return append(h, '>')
}
