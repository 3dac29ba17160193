// Package tlscert provides the server's TLS certificates, one per hosted
// domain: loaded from the configured files, or generated self-signed on
// first start so that a fresh `switchboard serve` works without setup. A
// connection gets the certificate of the name it asks for (SNI). The
// certificates can be reloaded (SIGHUP) without dropping connections.
package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Source names where the certificates come from.
type Source struct {
	CertFile, KeyFile string // the main certificate; both empty: none
	// Bundles are more certificates, each one PEM file holding the chain
	// and its private key.
	Bundles []string
	Dir     string // where generated certificates are kept
	// Domains are the hosted domains; the first is the default for a
	// client that names none of them. A domain that no configured
	// certificate covers gets a self-signed one under Dir.
	Domains []string
}

// Provider holds the current certificates.
type Provider struct {
	src   Source
	log   hclog.Logger
	state atomic.Pointer[state]
}

// state is one load of every certificate: replaced whole by Reload.
type state struct {
	byDomain map[string]*tls.Certificate
	loaded   []*tls.Certificate // the configured ones, for names that are no hosted domain
	fallback *tls.Certificate   // the first domain's
}

// New loads (or on first start generates) the certificates.
func New(src Source, log hclog.Logger) (*Provider, error) {
	if len(src.Domains) == 0 {
		return nil, errors.New("loading TLS certificates: no domain to serve")
	}
	p := &Provider{src: src, log: log}
	if err := p.Reload(); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload reads the certificates again; on error the previous ones stay,
// all of them.
func (p *Provider) Reload() error {
	now := time.Now()
	st := &state{byDomain: map[string]*tls.Certificate{}}
	type named struct {
		cert *tls.Certificate
		file string
	}
	var configured []named
	if p.src.CertFile != "" || p.src.KeyFile != "" {
		c, err := load(p.src.CertFile, p.src.KeyFile)
		if err != nil {
			return err
		}
		configured = append(configured, named{c, p.src.CertFile})
	}
	for _, f := range p.src.Bundles {
		c, err := load(f, f)
		if err != nil {
			return err
		}
		configured = append(configured, named{c, f})
	}
	for _, c := range configured {
		st.loaded = append(st.loaded, c.cert)
	}
	for _, d := range p.src.Domains {
		var cert *tls.Certificate
		for _, c := range configured {
			if c.cert.Leaf.VerifyHostname(d) == nil {
				cert = c.cert
				break
			}
		}
		switch {
		case cert == nil && len(configured) == 1 && len(p.src.Domains) == 1:
			// One certificate for one domain is served even when it does
			// not fit (still better than none to a client that pins it),
			// but clients that check will refuse it: the operator must know.
			cert = configured[0].cert
			for _, problem := range Problems(cert.Leaf, d, now) {
				p.log.Warn("TLS certificate unfit for the domain", "domain", d, "cert_file", configured[0].file, "problem", problem)
			}
		case cert == nil:
			certFile, keyFile, err := ensureSelfSigned(p.src.Dir, d, p.log)
			if err != nil {
				return err
			}
			if cert, err = load(certFile, keyFile); err != nil {
				return err
			}
			if len(configured) > 0 {
				p.log.Warn("no configured TLS certificate names this domain: serving a self-signed one, which clients and servers that check refuse", "domain", d, "cert_file", certFile)
			}
		default:
			for _, problem := range Problems(cert.Leaf, d, now) {
				p.log.Warn("TLS certificate unfit for the domain", "domain", d, "problem", problem)
			}
		}
		st.byDomain[d] = cert
		p.log.Debug("TLS certificate loaded", "domain", d, "subject", cert.Leaf.Subject.String(), "not_after", cert.Leaf.NotAfter)
	}
	st.fallback = st.byDomain[p.src.Domains[0]]
	p.state.Store(st)
	return nil
}

func load(certFile, keyFile string) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading TLS certificate %q and key %q: %w", certFile, keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("parsing TLS certificate %q: %w", certFile, err)
		}
	}
	return &cert, nil
}

// For returns the certificate to present for name: the hosted domain's,
// else a configured certificate that covers name (a WebSocket host such
// as xmpp.example.org), else the first domain's.
func (p *Provider) For(name string) *tls.Certificate {
	st := p.state.Load()
	if c, ok := st.byDomain[name]; ok {
		return c
	}
	if name != "" {
		for _, c := range st.loaded {
			if c.Leaf.VerifyHostname(name) == nil {
				return c
			}
		}
	}
	return st.fallback
}

// Leaf returns the certificate presented for name, for tls-server-end-point
// channel binding.
func (p *Provider) Leaf(name string) *x509.Certificate { return p.For(name).Leaf }

// Config returns a server TLS configuration that presents, on every
// handshake, the current certificate of the name the client asks for
// (SNI). TLS 1.2 is the minimum; the cipher suites are Go's defaults,
// which offer only AEAD suites with forward secrecy for 1.2.
func (p *Provider) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return p.For(hello.ServerName), nil
		},
	}
}
