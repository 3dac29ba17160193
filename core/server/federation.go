package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"

	"github.com/switchboard-xmpp/switchboard/core/accept"
	"github.com/switchboard-xmpp/switchboard/core/s2s"
)

// buildFederation makes the server-to-server side when listen.s2s is set,
// and has the router send stanzas for other domains through it.
func (s *Server) buildFederation() error {
	cfg := s.cfg
	if !cfg.Federates() {
		return nil
	}
	hosts, err := cfg.S2S.HostMap()
	if err != nil {
		return fmt.Errorf("s2s.hosts: %w", err)
	}
	var roots *x509.CertPool
	if cfg.S2S.CAFile != "" {
		pem, err := os.ReadFile(cfg.S2S.CAFile)
		if err != nil {
			return fmt.Errorf("reading s2s.ca_file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("s2s.ca_file %s holds no PEM certificate", cfg.S2S.CAFile)
		}
	}
	s.federation = s2s.NewServer(s2s.Config{
		Domain:         cfg.Domain,
		Hosted:         func(d string) bool { return slices.Contains(cfg.Hosted(), d) },
		Local:          func(d string) bool { return slices.Contains(cfg.Hosted(), d) || s.plugins.ServiceDomain(d) },
		Certificate:    s.certs.For,
		Roots:          roots,
		TLSRequired:    cfg.S2S.TLSRequired,
		Dialback:       cfg.S2S.Dialback,
		Bidi:           cfg.S2S.Bidi,
		Policy:         s2s.Policy{Allow: cfg.S2S.Allow, Deny: cfg.S2S.Deny},
		Hosts:          hosts,
		ConnectTimeout: cfg.S2S.ConnectTimeout,
		IdleTimeout:    cfg.S2S.IdleTimeout,
		WriteTimeout:   cfg.Limits.WriteTimeout,
		Queue:          cfg.S2S.Queue,
		RetryMin:       cfg.S2S.RetryMin,
		RetryMax:       cfg.S2S.RetryMax,
		MaxInbound:     cfg.S2S.MaxInbound,
		MaxPerDomain:   cfg.S2S.MaxStreamsPerDomain,
		RateBytes:      cfg.S2S.RateBytesPerSecond,
		RateBurst:      cfg.S2S.RateBurstBytes,
		Limits:         streamLimits(cfg, cfg.Limits.MaxStanzaBytes),
	}, s.router, s.log.Named("s2s"))
	s.router.SetRemote(s.federation)
	return nil
}

// startFederation listens for other servers on listen.s2s. Like
// components, not under the clients' connection cap (s2s.max_inbound is
// theirs); running out of descriptors still pauses the listener.
func (s *Server) startFederation(ctx context.Context) error {
	if s.federation == nil {
		return nil
	}
	for _, l := range []struct {
		key, addr string
		serve     func(context.Context, net.Listener) error
		bound     *net.Addr
	}{
		{"listen.s2s", s.cfg.Listen.S2S, s.federation.Serve, &s.s2sAddr},
		{"listen.s2s_tls", s.cfg.Listen.S2STLS, s.federation.ServeDirectTLS, &s.s2sTLSAddr},
	} {
		if l.addr == "" {
			continue
		}
		raw, err := net.Listen("tcp", l.addr)
		if err != nil {
			return fmt.Errorf("listening for servers on %s (%s): %w", l.addr, l.key, err)
		}
		ln := accept.Wrap(raw, nil, s.log.Named("accept").With("listener", raw.Addr().String()))
		s.listeners = append(s.listeners, ln)
		*l.bound = ln.Addr()
		s.log.Info("listening for servers", "addr", ln.Addr().String(), "direct_tls", l.key == "listen.s2s_tls", "domain", s.cfg.Domain, "dialback", s.cfg.S2S.Dialback)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := l.serve(ctx, ln); !errors.Is(err, net.ErrClosed) {
				s.serveErr <- fmt.Errorf("accepting servers on %s: %w", ln.Addr(), err)
			}
		}()
	}
	return nil
}

// S2SAddr is the address of the server-to-server listener, or nil.
func (s *Server) S2SAddr() net.Addr { return s.s2sAddr }
