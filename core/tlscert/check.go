package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// Problems says what makes leaf unfit to serve domain at now: a name it
// does not cover (clients then refuse it, or ask their user), or a
// validity period that has ended or not begun. Nil when it is fit.
func Problems(leaf *x509.Certificate, domain string, now time.Time) []error {
	var out []error
	if err := leaf.VerifyHostname(domain); err != nil {
		out = append(out, fmt.Errorf("it is not valid for the domain %s (it names %s)", domain, names(leaf)))
	}
	if now.After(leaf.NotAfter) {
		out = append(out, fmt.Errorf("it expired on %s", leaf.NotAfter.UTC().Format(time.DateOnly)))
	}
	if now.Before(leaf.NotBefore) {
		out = append(out, fmt.Errorf("it is not valid before %s", leaf.NotBefore.UTC().Format(time.DateTime)))
	}
	return out
}

// CheckFiles loads a certificate and key as the server would and says
// whether they belong together and fit domain.
func CheckFiles(certFile, keyFile, domain string, now time.Time) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("loading TLS certificate %q and key %q: %w", certFile, keyFile, err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return fmt.Errorf("parsing TLS certificate %q: %w", certFile, err)
	}
	if p := Problems(leaf, domain, now); len(p) > 0 {
		return fmt.Errorf("TLS certificate %q: %w", certFile, errors.Join(p...))
	}
	return nil
}

// names lists the DNS names a certificate is for, for messages.
func names(leaf *x509.Certificate) string {
	if len(leaf.DNSNames) > 0 {
		return fmt.Sprint(leaf.DNSNames)
	}
	if leaf.Subject.CommonName != "" {
		return fmt.Sprintf("only the common name %q", leaf.Subject.CommonName)
	}
	return "no name"
}
