// Package tlscert provides the server's TLS certificate: loaded from the
// configured files, or generated self-signed on first start so that a fresh
// `switchboard serve` works without setup. The certificate can be reloaded
// (SIGHUP) without dropping connections.
package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Source names where the certificate comes from.
type Source struct {
	CertFile, KeyFile string // both empty: self-signed under Dir
	Dir               string // where a generated certificate is kept
	Domain            string // subject of a generated certificate
}

// Provider holds the current certificate.
type Provider struct {
	src  Source
	log  hclog.Logger
	cert atomic.Pointer[tls.Certificate]
}

// New loads (or on first start generates) the certificate.
func New(src Source, log hclog.Logger) (*Provider, error) {
	p := &Provider{src: src, log: log}
	if err := p.Reload(); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload reads the certificate again; on error the previous one stays.
func (p *Provider) Reload() error {
	certFile, keyFile := p.src.CertFile, p.src.KeyFile
	if certFile == "" && keyFile == "" {
		var err error
		certFile, keyFile, err = ensureSelfSigned(p.src.Dir, p.src.Domain, p.log)
		if err != nil {
			return err
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("loading TLS certificate %q and key %q: %w", certFile, keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("parsing TLS certificate %q: %w", certFile, err)
		}
	}
	for _, problem := range Problems(cert.Leaf, p.src.Domain, time.Now()) {
		// Served all the same (a certificate for another name is still
		// better than none to a client that pins it), but clients that
		// check will refuse the server: the operator must know.
		p.log.Warn("TLS certificate unfit for the domain", "cert_file", certFile, "problem", problem)
	}
	p.cert.Store(&cert)
	p.log.Debug("TLS certificate loaded", "cert_file", certFile, "subject", cert.Leaf.Subject.String(), "not_after", cert.Leaf.NotAfter)
	return nil
}

// Leaf returns the current certificate, for tls-server-end-point channel
// binding.
func (p *Provider) Leaf() *x509.Certificate { return p.cert.Load().Leaf }

// Certificate returns the current certificate, which the server also
// presents as a client (server-to-server streams).
func (p *Provider) Certificate() *tls.Certificate { return p.cert.Load() }

// Config returns a server TLS configuration that always presents the
// current certificate. TLS 1.2 is the minimum; the cipher suites are Go's
// defaults, which offer only AEAD suites with forward secrecy for 1.2.
func (p *Provider) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return p.cert.Load(), nil
		},
	}
}
