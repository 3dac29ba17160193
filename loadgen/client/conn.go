// Package client is the load generator's XMPP client: just enough of RFC
// 6120 and RFC 6121 to log in (STARTTLS or direct TLS, SCRAM or PLAIN,
// bind, legacy session, roster, presence) and then send and receive
// stanzas as raw bytes.
//
// It is built to cost the machine as little as possible per stanza, so that
// a benchmark measures the server and not the client: the server's stream
// is read with core/stream's Decoder, which hands out each element's raw
// bytes without building a tree; a caller writes whole batches of stanzas
// in one call; and each connection is owned by the goroutine that reads it,
// so nothing is shared between connections.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Options say where and how to connect; one value is shared by every
// connection of a run and must not change while they use it.
type Options struct {
	Addr      string // host:port
	Domain    string // the XMPP domain, also the TLS server name
	DirectTLS bool   // TLS from the first byte (XEP-0368) instead of STARTTLS
	Mechanism string // SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN
	Resource  string // requested resource; "" lets the server choose
	// Timeout bounds each login, registration and logout; 0 means 30 s.
	Timeout time.Duration
	// TLS is the client TLS configuration. nil trusts any certificate
	// (benchmarks run against self-signed ones), never resumes a session,
	// so that every login pays a full handshake as a new client would, and
	// offers X25519 (then P-256) key exchange only: what the OpenSSL 3.0 of
	// Debian 12 servers negotiate, so that every server compared does the
	// same handshake work (Go would otherwise pick the costlier hybrid
	// X25519MLKEM768 with a Go server).
	TLS *tls.Config
	// Sources are the local addresses connections come from; nil lets
	// the system choose.
	Sources *Sources
}

// Sources are local addresses that connections take in turn. One source
// address has only as many ephemeral ports as the system's range holds
// (net.ipv4.ip_local_port_range on Linux), so a run holding more
// connections than that spreads them over several; on Linux every
// 127.x.y.z is a loopback address that needs no setting up.
type Sources struct {
	addrs []*net.TCPAddr
	next  atomic.Uint64
}

// NewSources returns the addresses in turn; none gives nil, the system's
// choice.
func NewSources(addrs []netip.Addr) *Sources {
	if len(addrs) == 0 {
		return nil
	}
	s := &Sources{}
	for _, a := range addrs {
		s.addrs = append(s.addrs, net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, 0)))
	}
	return s
}

// pick returns the next address, or nil (an untyped nil, which a Dialer
// takes as "any") when there are none.
func (s *Sources) pick() net.Addr {
	if s == nil {
		return nil
	}
	return s.addrs[(s.next.Add(1)-1)%uint64(len(s.addrs))]
}

func (o *Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 30 * time.Second
	}
	return o.Timeout
}

func (o *Options) tlsConfig() *tls.Config {
	if o.TLS != nil {
		return o.TLS
	}
	return &tls.Config{
		InsecureSkipVerify: true,
		ServerName:         o.Domain,
		CurvePreferences:   []tls.CurveID{tls.X25519, tls.CurveP256},
	}
}

// limits are generous: a server's roster or features may be large, and
// the client must not be the one to refuse them.
var limits = stream.Limits{MaxStanzaBytes: 4 << 20}

// Conn is one client connection. Next must be called from one goroutine
// at a time (the connection's reader); Write may be called from any, since
// each call writes its bytes in one piece.
type Conn struct {
	nc   net.Conn
	dec  *stream.Decoder
	opts *Options
	JID  string // the full JID the server bound; "" in relay mode

	Roster    []byte // the roster result's raw bytes, when Steps.KeepRoster
	RosterErr error  // the server's refusal of the roster get, if any

	needHeader bool   // relay mode: the peer's header has not been read yet
	reply      []byte // scratch for answers Next sends; owned by the reader
	wbuf       []byte // scratch for the login steps

	closing  atomic.Bool   // Logout has begun: read errors are expected
	reading  atomic.Bool   // a Reader goroutine owns Next
	readDone chan struct{} // closed when the Reader goroutine returns
	stop     func() bool   // unregisters the context watch
	done     <-chan struct{}
}

// dial opens the TCP (and, for direct TLS, TLS) connection and makes ctx's
// end, or the login timeout, interrupt anything blocked on it.
func dial(ctx context.Context, o *Options) (*Conn, error) {
	addr, timeout := o.Addr, o.timeout()
	d := net.Dialer{Timeout: timeout, LocalAddr: o.Sources.pick()}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	c := &Conn{nc: nc, readDone: make(chan struct{}), done: ctx.Done()}
	// A deadline in the past on the TCP connection fails whatever is
	// blocked on it, TLS included, when the run's context ends.
	c.stop = context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	nc.SetDeadline(time.Now().Add(timeout))
	if o.DirectTLS {
		tc := tls.Client(nc, o.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Abort()
			return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
		}
		c.nc = tc
	}
	c.dec = stream.NewDecoder(c.nc, limits)
	return c, nil
}

// Write sends b in one call, so that writes from different goroutines never
// interleave. A caller batches stanzas into b to save syscalls and TLS
// records.
func (c *Conn) Write(b []byte) error {
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("disconnected: writing: %w", err)
	}
	return nil
}

// Next returns the next element the server sent that needs the caller,
// valid until the next call. It answers the server's pings and roster
// pushes itself, refuses other IQ requests with service-unavailable, and
// turns a stream error into *StreamError. The server closing its stream
// gives ErrClosed.
func (c *Conn) Next() (*stream.Element, error) {
	if c.needHeader {
		if _, err := c.dec.ReadHeader(); err != nil {
			return nil, c.readErr(err)
		}
		c.needHeader = false
	}
	for {
		el, err := c.dec.Next()
		if err != nil {
			return nil, c.readErr(err)
		}
		switch {
		case el.Name == streamError:
			return nil, newStreamError(el)
		case el.Name.Local == "iq" && isRequest(el):
			if err := c.answer(el); err != nil {
				return nil, err
			}
		default:
			return el, nil
		}
	}
}

var streamError = stream.Name{Space: stream.NSStream, Local: "error"}

// ErrClosed is what Next returns when the server closed its stream; it
// matches io.EOF.
var ErrClosed error = closedError{}

type closedError struct{}

func (closedError) Error() string        { return "disconnected: the server closed the stream" }
func (closedError) Is(target error) bool { return target == io.EOF }

func (c *Conn) readErr(err error) error {
	if errors.Is(err, io.EOF) {
		return ErrClosed
	}
	var se *stream.Error
	if errors.As(err, &se) {
		return fmt.Errorf("stream error: the server sent bad XML: %w", err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("timeout: %w", err)
	}
	return fmt.Errorf("disconnected: %w", err)
}

// Reader runs Next in a new goroutine until the stream ends, handing each
// element to handle. done is called once at the end with nil if the stream
// ended because of Logout, or with what went wrong.
func (c *Conn) Reader(handle func(*stream.Element), done func(error)) {
	c.reading.Store(true)
	go func() {
		defer close(c.readDone)
		for {
			el, err := c.Next()
			if err != nil {
				if c.closing.Load() {
					err = nil
				}
				done(err)
				return
			}
			handle(el)
		}
	}()
}

// Closing marks the connection as about to be closed, so that its reader
// takes what follows as the expected end. Calling it on every connection
// before logging any out keeps a relay peer that closes first from looking
// like a failure.
func (c *Conn) Closing() { c.closing.Store(true) }

// Logout closes the stream and waits, within the timeout, for the server to
// close its side (so that the server has ended the session before the next
// login of the same account), then closes the connection.
func (c *Conn) Logout() {
	c.closing.Store(true)
	c.nc.SetDeadline(time.Now().Add(c.opts.timeout()))
	if c.Write([]byte(stream.Close)) == nil {
		if c.reading.Load() {
			<-c.readDone
		} else {
			for {
				if _, err := c.dec.Next(); err != nil {
					break
				}
			}
		}
	}
	c.Abort()
}

// Abort closes the connection at once.
func (c *Conn) Abort() {
	c.closing.Store(true)
	c.stop()
	c.nc.Close()
}

// ClearDeadline lifts the login timeout once the connection is set up;
// from then on only the run's context ends it.
func (c *Conn) ClearDeadline() {
	select {
	case <-c.done:
		return // the context's deadline stands
	default:
		c.nc.SetDeadline(time.Time{})
	}
}
