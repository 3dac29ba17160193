// Package c2s serves client-to-server connections (RFC 6120): the stream,
// STARTTLS and direct TLS (XEP-0368), SASL, resource binding and the legacy
// session, then hands stanzas from the bound session to the router.
package c2s

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/metrics"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Config is what a c2s server needs to know; the composition root fills it
// from the operator's configuration.
type Config struct {
	// Domain is the primary hosted domain, a stream's when its header
	// names none; Domains are all of them (Domain alone when empty).
	Domain  string
	Domains []string
	TLS     *tls.Config // server TLS; nil disables STARTTLS and direct TLS
	// Certificate is the certificate presented to a client that asked for
	// a server name (SNI), for channel binding.
	Certificate func(serverName string) *x509.Certificate
	TLSRequired bool // STARTTLS before SASL

	Mechanisms []sasl.Mechanism
	// Credentials are the accounts of a hosted domain.
	Credentials func(domain string) sasl.CredentialSource
	MaxFailures int // failed SASL attempts before the stream is closed

	PreauthLimits stream.Limits // until SASL succeeds
	Limits        stream.Limits // afterwards

	PreauthTimeout   time.Duration
	IdleTimeout      time.Duration // 0: never
	HandshakeTimeout time.Duration
	WriteTimeout     time.Duration
	MaxResources     int
	SendQueueBytes   int
	// ResumeTimeout is how long a session whose connection broke waits for
	// the client to resume it (XEP-0198); 0 disables resumption.
	ResumeTimeout time.Duration
	// MaxUnacked bounds the stanzas kept for a client that does not
	// acknowledge them.
	MaxUnacked int
	// MaxInFlight bounds the stanzas of one session handed off its reader:
	// waiting for a plugin, or behind one. Past it an IQ request gets
	// resource-constraint and anything else waits for room.
	MaxInFlight int

	// Tokens keeps XEP-0484 FAST tokens; nil offers no FAST.
	Tokens TokenStore
	// TokenTTL is how long a token lives; one used with less than half
	// of it left is replaced.
	TokenTTL time.Duration

	// Extensions are what plugins add to streams; nil for none.
	Extensions Extensions

	// Abuse limits; nil for none.
	Conns *limiter.Conns
	Auth  *limiter.Auth
	// BanTime is how long Auth bans an address, for the log.
	BanTime time.Duration
	// RateBytes and RateBurst shape what one stream may send.
	RateBytes, RateBurst int
	// Metrics counts logins; nil counts nothing.
	Metrics *metrics.Metrics
}

// Extensions is what the plugin host adds to client streams.
type Extensions interface {
	// StreamFeatures returns feature elements to offer before or after
	// authentication.
	StreamFeatures(postAuth bool) []string
	// Offers reports whether a loaded plugin declares the disco feature:
	// Bind2 enables carbons inline only when the carbons plugin runs.
	Offers(feature string) bool
	// PreAuth offers an IQ sent before authentication; it returns the
	// replies for this stream and whether anything took the IQ.
	PreAuth(ctx context.Context, domain, sessionID, remoteAddr string, secure bool, el *stream.Element) ([][]byte, bool)
	SessionBound(s *session.Session)
	// SessionAvailable reports initial presence: the first available
	// presence after binding or after being unavailable.
	SessionAvailable(s *session.Session, presence *stream.Element)
	// SessionPresence reports a later broadcast presence of an available
	// session: an update, or unavailable without closing the stream.
	SessionPresence(s *session.Session, presence *stream.Element)
	// SessionClosed reports the end of a session, with the last presence
	// it broadcast (nil if none): its unavailable presence and status,
	// when the client said goodbye.
	SessionClosed(s *session.Session, lastPresence []byte)
	// SessionResumed reports a session that waited for its client and
	// that the client took back (XEP-0198).
	SessionResumed(s *session.Session)
}

// Server accepts connections and keeps track of them for shutdown.
type Server struct {
	bufs     bufPool // write buffers, lent to connections between bursts
	cfg      Config
	sessions *session.Table
	router   *router.Router
	log      hclog.Logger
	features []feature

	mu        sync.Mutex
	conns     map[*Conn]struct{}
	resumable map[string]*endpoint // by stream management id
	draining  bool
	wg        sync.WaitGroup // connections, and inflight's workers
	// work is the context of inflight's workers: it outlives the streams
	// whose stanzas they process, and ends when Shutdown runs out of time.
	work     context.Context
	stopWork context.CancelFunc
}

// NewServer returns a server; the router decides where stanzas go.
func NewServer(cfg Config, sessions *session.Table, r *router.Router, log hclog.Logger) *Server {
	s := &Server{cfg: cfg, sessions: sessions, router: r, log: log, conns: make(map[*Conn]struct{}), resumable: map[string]*endpoint{}}
	s.features = coreFeatures()
	s.work, s.stopWork = context.WithCancel(context.Background())
	return s
}

// goWork runs fn on a goroutine that Shutdown waits for. It is called only
// from goroutines Shutdown waits for, so that the count never rises from
// zero while Shutdown waits.
func (s *Server) goWork(fn func(context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(s.work)
	}()
}

// Serve accepts connections on l until its Accept fails, which should
// be only when it is closed: the composition root hands it an
// accept.Listener, which rides out running short of descriptors.
// directTLS selects XEP-0368 TLS-first instead of STARTTLS.
func (s *Server) Serve(ctx context.Context, l net.Listener, directTLS bool) error {
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		release, ok := s.admit(nc)
		if !ok {
			nc.Close()
			continue
		}
		c := s.newConn(nc, directTLS, TCPFraming{})
		if c == nil {
			release()
			nc.Close()
			continue
		}
		c.release = release
		go func() {
			defer s.wg.Done()
			c.serve(ctx)
		}()
	}
}

// Admit applies the per-address limits to a connection that another
// transport accepted (HTTPS, before it carries a WebSocket), from the
// moment it is accepted. release gives its place back.
func (s *Server) Admit(nc net.Conn) (release func(), ok bool) { return s.admit(nc) }

// AdmitFrom applies the per-address limits to a session from remote that
// is no connection of its own (BOSH: its requests come over any number of
// HTTP connections, each admitted too). release gives its place back.
func (s *Server) AdmitFrom(remote net.Addr) (release func(), ok bool) { return s.admitAddr(remote) }

// ServeStream serves one connection whose transport is already set up — a
// WebSocket over HTTPS — with the given framing. The transport admitted it
// (Admit); release is called when the stream ends. tlsState is the TLS the
// transport runs over, or nil; with it the stream counts as encrypted
// and SASL may bind to that channel. It returns when the stream ends.
func (s *Server) ServeStream(ctx context.Context, nc net.Conn, f Framing, tlsState *tls.ConnectionState, release func()) {
	c := s.newConn(nc, false, f)
	if c == nil {
		release()
		nc.Close()
		return
	}
	c.release = release
	defer s.wg.Done()
	if tlsState != nil {
		c.state |= stateSecure
		c.tlsState = tlsState
	}
	c.serve(ctx)
}

func (s *Server) newConn(nc net.Conn, directTLS bool, f Framing) *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return nil
	}
	c := newConn(s, nc, directTLS, f)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c
}

func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown sends every client a system-shutdown stream error, closes the
// streams, and waits for the connections, and the stanzas they handed off,
// to end or ctx to expire, after which the remaining connections are cut
// and the plugin calls still running are cancelled (their stanzas are
// answered with errors).
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.draining = true
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close(stream.NewError("system-shutdown", "the server is shutting down"))
	}
	s.mu.Lock()
	waiting := make([]*endpoint, 0, len(s.resumable))
	for _, e := range s.resumable {
		waiting = append(waiting, e)
	}
	s.mu.Unlock()
	for _, e := range waiting {
		e.Close(nil) // detached ones end now; attached ones were closed above
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			c.out.abort()
		}
		s.stopWork()
		<-done
	}
	s.stopWork()
}

// admit applies the per-address limits to a new connection: banned
// addresses, too many connections, connecting too fast. A refused
// connection is closed without a word; under attack, every byte counts.
func (s *Server) admit(nc net.Conn) (release func(), ok bool) { return s.admitAddr(nc.RemoteAddr()) }

func (s *Server) admitAddr(remote net.Addr) (release func(), ok bool) {
	ip := addrOf(remote)
	if s.cfg.Auth != nil {
		if banned, until := s.cfg.Auth.Banned(ip); banned {
			s.log.Debug("connection refused: address banned", "remote", ip.String(), "until", until)
			return nil, false
		}
	}
	if s.cfg.Conns == nil {
		return func() {}, true
	}
	release, why := s.cfg.Conns.Open(ip)
	if release == nil {
		s.log.Debug("connection refused", "remote", ip.String(), "reason", why)
		return nil, false
	}
	return release, true
}

// addrOf is the client's address without the port.
func addrOf(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

func (s *Server) rememberResumable(id string, e *endpoint) {
	s.mu.Lock()
	s.resumable[id] = e
	s.mu.Unlock()
}

func (s *Server) forgetResumable(id string) {
	s.mu.Lock()
	delete(s.resumable, id)
	s.mu.Unlock()
}

// takeResumable finds the session a client asks to resume; only its own
// account may resume it.
func (s *Server) takeResumable(id, username string) *endpoint {
	s.mu.Lock()
	e := s.resumable[id]
	s.mu.Unlock()
	if e == nil || e.sess.JID.Local != username {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ending {
		return nil
	}
	return e
}

// carbonsOffered reports whether a plugin serves XEP-0280, which Bind2
// may then enable inline.
func (s *Server) carbonsOffered() bool {
	return s.cfg.Extensions != nil && s.cfg.Extensions.Offers(nsCarbons)
}

// Len returns the number of open connections.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// hosts reports whether domain is one of the hosted domains.
func (s *Server) hosts(domain string) bool {
	if len(s.cfg.Domains) == 0 {
		return domain == s.cfg.Domain
	}
	return slices.Contains(s.cfg.Domains, domain)
}
