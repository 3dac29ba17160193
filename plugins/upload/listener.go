package upload

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// listener is the plugin's HTTPS server. The core never sees this traffic:
// a plugin that owns a service keeps its own sockets when the protocol is
// not XMPP.
type listener struct {
	cfg  Config // what it was started with
	addr string // as configured
	ln   net.Listener
	srv  *http.Server
	cert atomic.Pointer[tls.Certificate]
	done chan struct{}
}

func startListener(c Config, h http.Handler, cert *tls.Certificate, log hclog.Logger) (*listener, error) {
	addr := c.Listen
	l := &listener{cfg: c, addr: addr, done: make(chan struct{})}
	l.cert.Store(cert)
	l.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.HeaderTimeout,
		IdleTimeout:       c.IdleTimeout,
		ErrorLog:          log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
		TLSConfig: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return l.cert.Load(), nil },
		},
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for uploads on %s: %w", addr, err)
	}
	l.ln = ln
	go func() {
		defer close(l.done)
		if err := l.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("the upload listener stopped", "addr", addr, "error", err)
		}
	}()
	return l, nil
}

// port is the port the listener is bound to, which differs from the
// configured one when that is 0.
func (l *listener) port() string {
	_, port, _ := net.SplitHostPort(l.ln.Addr().String())
	return port
}

// close stops accepting and waits for the requests in progress, until ctx
// ends; then it drops them.
func (l *listener) close(ctx context.Context) error {
	err := l.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, l.srv.Close())
	}
	<-l.done
	return err
}

// loadCertificate reads the configured certificate, or makes a
// self-signed one for domain when none is configured.
func loadCertificate(c Config, domain string) (cert *tls.Certificate, selfSigned bool, err error) {
	if c.CertFile != "" {
		crt, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, false, fmt.Errorf("loading cert_file %q and key_file %q: %w", c.CertFile, c.KeyFile, err)
		}
		return &crt, false, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("making a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, false, fmt.Errorf("making a serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: domain},
		DNSNames:     []string{domain},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, false, fmt.Errorf("making a self-signed certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, true, nil
}
