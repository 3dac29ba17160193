// Package accept is the accept side of every listener. A failure to
// accept — the process out of file descriptors, the kernel out of buffers
// or memory — pauses the listener with a growing delay, as net/http does,
// instead of ending it, so the sessions already up go on. A Gate caps the
// connections that all listeners hold together, so that new clients are
// refused while descriptors remain for the database, the plugins and the
// listeners themselves. Both are logged at WARN at most once per period,
// with a count: a flood repeats them thousands of times a second.
package accept

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// The pause after a failed accept doubles from firstDelay up to maxDelay,
// as in net/http's Server.Serve.
const (
	firstDelay = 5 * time.Millisecond
	maxDelay   = time.Second
)

// warnPeriod is how often a repeating failure or refusal is logged.
const warnPeriod = 10 * time.Second

// Listener wraps a net.Listener: its Accept returns only a connection
// admitted by the gate, or the error of a closed listener.
type Listener struct {
	net.Listener
	gate *Gate
	log  hclog.Logger

	closed    chan struct{}
	closeOnce sync.Once
	failures  *every // accept failures
	// pause waits d or until the listener is closed.
	pause func(d time.Duration)
}

// Wrap returns l accepting through gate (nil: no cap). log names the
// listener in its lines.
func Wrap(l net.Listener, gate *Gate, log hclog.Logger) *Listener {
	w := &Listener{Listener: l, gate: gate, log: log, closed: make(chan struct{})}
	w.pause = w.sleep
	w.failures = newEvery(warnPeriod, func(n int, last error) {
		args := []any{"failures", n, "error", last}
		if errors.Is(last, syscall.EMFILE) || errors.Is(last, syscall.ENFILE) {
			args = append(args, "hint", "out of file descriptors: raise the open-file limit, or limits.reserved_files so that the connection cap comes first (docs/OPERATIONS.md)")
		}
		w.log.Warn("cannot accept connections; retrying, the sessions already up go on", args...)
	})
	return w
}

// Accept waits for a connection the gate admits. Refused connections are
// closed at once. A failure pauses and retries: the only error returned
// is that of a closed listener.
func (l *Listener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || l.isClosed() {
				return nil, err
			}
			// Any other error is a temporary one: on an open listening
			// socket, accept fails only for want of resources or because
			// of the one connection at hand.
			delay = min(max(2*delay, firstDelay), maxDelay)
			l.failures.add(err)
			l.pause(delay)
			continue
		}
		if l.gate == nil {
			return nc, nil
		}
		if !l.gate.enter() {
			// Closed without a word: a client at the cap learns at once
			// that it must come back later, and costs nothing more.
			nc.Close()
			l.gate.refusals.add(nil)
			continue
		}
		return &conn{Conn: nc, gate: l.gate}, nil
	}
}

// Close closes the listener, ends a pause, and logs what was counted but
// not yet reported.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	err := l.Listener.Close()
	l.failures.stop()
	return err
}

func (l *Listener) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

func (l *Listener) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.closed:
	}
}

// Gate caps the connections that the listeners sharing it hold open at
// once. A nil Gate admits everything.
type Gate struct {
	max      int64 // 0: no cap, only counting
	open     atomic.Int64
	refusals *every // one report for every listener: the cap is theirs together
}

// NewGate returns a gate admitting max connections at once; 0 means no
// cap. log gets the reports of refused connections.
func NewGate(max int, log hclog.Logger) *Gate {
	g := &Gate{max: int64(max)}
	g.refusals = newEvery(warnPeriod, func(n int, _ error) {
		log.Warn("connection limit reached; refusing new connections, the sessions already up go on",
			"refused", n, "limit", max, "hint", "raise limits.max_connections, or the open-file limit (docs/OPERATIONS.md)")
	})
	return g
}

// Close logs the refusals counted but not yet reported, and reports no
// more. Call it once the listeners are closed.
func (g *Gate) Close() {
	if g != nil {
		g.refusals.stop()
	}
}

// Max returns the cap, 0 for none.
func (g *Gate) Max() int {
	if g == nil {
		return 0
	}
	return int(g.max)
}

// Open returns the connections held now.
func (g *Gate) Open() int {
	if g == nil {
		return 0
	}
	return int(g.open.Load())
}

// enter takes a place for a new connection, or reports that none is left.
func (g *Gate) enter() bool {
	if n := g.open.Add(1); g.max > 0 && n > g.max {
		g.open.Add(-1)
		return false
	}
	return true
}

// conn gives its place back to the gate when closed.
type conn struct {
	net.Conn
	gate   *Gate
	closed atomic.Bool
}

func (c *conn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.gate.open.Add(-1)
	}
	return c.Conn.Close()
}
