// Package s2s is the server-to-server side of RFC 6120: streams in the
// jabber:server namespace to and from other XMPP servers. Inbound streams
// authenticate the peer (SASL EXTERNAL with its certificate, or Server
// Dialback, XEP-0220) and hand its stanzas to the router; each remote
// domain gets one outbound stream, made on first use, with a bounded
// queue while it is set up. A stanza that cannot be delivered goes back
// to its sender as an error, never silently away.
package s2s

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Namespaces of server-to-server streams.
const (
	NS                = "jabber:server"
	NSDialback        = "jabber:server:dialback"     // XEP-0220 elements
	NSDialbackFeature = "urn:xmpp:features:dialback" // XEP-0220 stream feature
)

// Config is what the server needs to know; the composition root fills it
// from the operator's configuration.
type Config struct {
	// Domain is the server's primary domain: its services speak to
	// peers on its streams.
	Domain string
	// Hosted reports whether a domain is one the server hosts: a peer may
	// open a stream to it, and it gets outbound streams of its own.
	Hosted func(domain string) bool
	// Local reports whether a domain is served here (a hosted one or a
	// service's): a peer may address only those.
	Local func(domain string) bool
	// Certificate is the server's certificate for one of its domains,
	// presented to peers as server (for the name a peer asks for, SNI)
	// and as client.
	Certificate func(domain string) *tls.Certificate
	// Roots are the roots a peer's certificate must chain to; nil means
	// the system's.
	Roots *x509.CertPool
	// TLSRequired: STARTTLS must succeed both ways before anything else.
	TLSRequired bool
	// Dialback allows Server Dialback for peers whose certificate does
	// not prove their domain.
	Dialback bool
	// Bidi offers and asks for bidirectional streams (XEP-0288).
	Bidi bool
	// Policy names the remote domains this server federates with.
	Policy Policy
	// Hosts overrides DNS: domain → host:port.
	Hosts map[string]string
	// ConnectTimeout bounds the set-up of a stream, inbound or outbound;
	// IdleTimeout closes one without traffic; WriteTimeout drops a peer
	// that does not read.
	ConnectTimeout, IdleTimeout, WriteTimeout time.Duration
	// Queue bounds the stanzas waiting for one remote domain.
	Queue int
	// RetryMin and RetryMax bound how long a domain that could not be
	// reached is not tried again: RetryMin after the first failure,
	// doubling with each one after it up to RetryMax. 0 retries at once.
	RetryMin, RetryMax time.Duration
	// MaxInbound bounds the inbound streams held at once;
	// MaxPerDomain those authenticated for one remote domain.
	MaxInbound, MaxPerDomain int
	// RateBytes and RateBurst shape what one inbound stream may send
	// (bytes per second, and at once above it); 0 does not shape.
	RateBytes, RateBurst int
	// Limits bound what a peer may send.
	Limits stream.Limits
	// Resolver looks up SRV records; nil is net.DefaultResolver.
	Resolver *net.Resolver
}

// Router takes the stanzas peers send. from stands for the remote sender:
// its Sink sends replies and errors back to the sender's server.
type Router interface {
	RouteRemote(ctx context.Context, from *session.Session, el *stream.Element, buf []byte) []byte
}

// Server runs the inbound listener and the outbound streams.
type Server struct {
	cfg    Config
	router Router
	log    hclog.Logger
	// secret keys the dialback keys this process hands out (XEP-0185);
	// only this process ever verifies them.
	secret []byte
	// ctx is the outbound streams' lifetime: Shutdown ends it.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	out      map[pair]*outbound
	in       map[*inbound]struct{}
	bidi     map[pair]*inbound   // authenticated bidirectional streams, by domain pair
	failed   map[string]*backoff // domains that could not be reached lately
	stopping bool
	wg       sync.WaitGroup
}

// NewServer returns a server that routes what peers send through r.
func NewServer(cfg Config, r Router, log hclog.Logger) *Server {
	secret := make([]byte, 32)
	rand.Read(secret)
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, router: r, log: log, secret: secret, ctx: ctx, cancel: cancel,
		out: map[pair]*outbound{}, in: map[*inbound]struct{}{}, bidi: map[pair]*inbound{}, failed: map[string]*backoff{}}
}

// Serve accepts peers on l until it is closed; the listener is the
// core's, which waits out temporary accept failures itself.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	return s.serve(ctx, l, false)
}

// ServeDirectTLS is Serve for peers that start with TLS, before the
// stream (XEP-0368), as _xmpps-server SRV records announce.
func (s *Server) ServeDirectTLS(ctx context.Context, l net.Listener) error {
	return s.serve(ctx, l, true)
}

func (s *Server) serve(ctx context.Context, l net.Listener, directTLS bool) error {
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		c := newInbound(s, nc)
		c.directTLS = directTLS
		s.mu.Lock()
		if s.stopping || len(s.in) >= s.cfg.MaxInbound {
			stopping := s.stopping
			s.mu.Unlock()
			if !stopping {
				s.log.Warn("connection from a server refused: s2s.max_inbound streams are open", "remote", nc.RemoteAddr().String(), "max_inbound", s.cfg.MaxInbound)
			}
			nc.Close()
			continue
		}
		s.in[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.in, c)
				s.mu.Unlock()
			}()
			c.serve(ctx)
		}()
	}
}

// Send queues b, a stanza with 'from' and 'to' set, for the remote
// domain. It returns at once; a stanza that cannot be delivered comes
// back to its sender as an error.
func (s *Server) Send(domain string, b []byte) {
	if !s.cfg.Policy.Permits(domain) {
		s.log.Debug("a stanza for a domain s2s.allow or s2s.deny refuses was bounced", "domain", domain)
		s.bounce(b, stanza.Errorf(stanza.NotAllowed, "this server does not federate with "+domain))
		return
	}
	s.resend(s.localOf(b), domain, item{b: append([]byte(nil), b...)})
}

// localOf is the hosted domain whose stream to the peer carries b: that
// of its sender, so that the peer sees it come from the domain the
// stream authenticated (RFC 6120 §13.7); a service's stanza goes on the
// primary domain's.
func (s *Server) localOf(b []byte) string {
	el, err := stream.ParseElement(b, s.cfg.Limits)
	if err != nil {
		return s.cfg.Domain
	}
	from, err := jidprep.Parse(el.Attr("from"))
	if err != nil || !s.cfg.Hosted(from.Domain) {
		return s.cfg.Domain
	}
	return from.Domain
}

// pair names the stream from a hosted domain to a remote one: each
// hosted domain authenticates its own streams.
type pair struct{ local, remote string }

// forget drops o from the table, if it is still there.
func (s *Server) forget(o *outbound) {
	s.mu.Lock()
	if k := (pair{o.local, o.domain}); s.out[k] == o {
		delete(s.out, k)
	}
	s.mu.Unlock()
}

// Shutdown closes every stream, inbound and outbound, bouncing what is
// still queued, and waits for them to end, or for ctx.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.stopping = true
	for c := range s.in {
		c.close(stream.NewError("system-shutdown", "the server is shutting down"))
	}
	s.mu.Unlock()
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Outbound reports the remote domains with an outbound stream, set up or
// being set up: for tests and administration.
func (s *Server) Outbound() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.out))
	for k := range s.out {
		if !slices.Contains(out, k.remote) {
			out = append(out, k.remote)
		}
	}
	return out
}
