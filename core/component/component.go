// Package component serves external components (XEP-0114: Jabber
// Component Protocol): a program that connects with the
// jabber:component:accept namespace, proves it knows a shared secret and
// then owns a domain, as a service plugin does, through the core's one
// table of service domains.
package component

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// NS is the namespace of a component's stream.
const NS = "jabber:component:accept"

// Config is what the server needs to know; the composition root fills it
// from the operator's configuration.
type Config struct {
	// Secrets are the shared secrets, by the domain each component owns.
	Secrets map[string]string
	// Limits bound what a component may send.
	Limits stream.Limits
	// HandshakeTimeout bounds the time to send the header and the
	// handshake; WriteTimeout a write to a component that does not read.
	HandshakeTimeout, WriteTimeout time.Duration
	// Queue bounds the stanzas waiting to be written to one component.
	Queue int
}

// Registry is the table of service domains a component joins once it has
// authenticated: the plugin host's.
type Registry interface {
	AttachComponent(domain, name string, c interface{ Deliver(b []byte) bool }) (detach func(), err error)
}

// Server accepts component connections.
type Server struct {
	cfg      Config
	registry Registry
	router   *router.Router
	log      hclog.Logger

	mu    sync.Mutex
	conns map[*conn]struct{}
	wg    sync.WaitGroup
}

// NewServer returns a server that attaches components to registry and
// routes what they send with r.
func NewServer(cfg Config, registry Registry, r *router.Router, log hclog.Logger) *Server {
	return &Server{cfg: cfg, registry: registry, router: r, log: log, conns: map[*conn]struct{}{}}
}

// Serve accepts components on l until it is closed; the listener is the
// core's, which waits out temporary accept failures itself.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		c := newConn(s, nc)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
			c.serve(ctx)
		}()
	}
}

// Shutdown closes every component's stream with system-shutdown and waits
// for them to end, or for ctx.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	for c := range s.conns {
		c.close(stream.NewError("system-shutdown", "the server is shutting down"))
	}
	s.mu.Unlock()
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
