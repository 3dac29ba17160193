package tlscert

import (
	"bytes"
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestSelfSignedIsGeneratedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	p, err := New(Source{Dir: dir, Domains: []string{"example.org"}}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	leaf := p.Leaf("")
	if err := leaf.VerifyHostname("example.org"); err != nil {
		t.Errorf("generated certificate does not name the domain: %v", err)
	}
	st, err := os.Stat(filepath.Join(dir, "example.org.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v; want 0600", err, st.Mode())
	}
	again, err := New(Source{Dir: dir, Domains: []string{"example.org"}}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Leaf("").Raw, leaf.Raw) {
		t.Error("a second start generated a new certificate instead of reusing the first")
	}
}

func TestReloadPicksUpNewFilesAndKeepsOldOnError(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	write := func(domain string) {
		c, k, err := generate(domain)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(certFile, c, 0o644)
		os.WriteFile(keyFile, k, 0o600)
	}
	write("one.example")
	p, err := New(Source{CertFile: certFile, KeyFile: keyFile, Domains: []string{"one.example"}}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	write("two.example")
	if err := p.Reload(); err != nil {
		t.Fatal(err)
	}
	if p.Leaf("").Subject.CommonName != "two.example" {
		t.Errorf("after reload the certificate is for %s", p.Leaf("").Subject.CommonName)
	}
	os.WriteFile(certFile, []byte("garbage"), 0o644)
	if err := p.Reload(); err == nil {
		t.Error("reloading a broken certificate succeeded")
	}
	if p.Leaf("").Subject.CommonName != "two.example" {
		t.Error("a failed reload replaced the working certificate")
	}
	cfg := p.Config()
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want TLS 1.2", cfg.MinVersion)
	}
	got, err := cfg.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil || got.Leaf.Subject.CommonName != "two.example" {
		t.Errorf("GetCertificate = %v, %v", got, err)
	}
}

func TestEachDomainGetsTheCertificateThatNamesIt(t *testing.T) {
	dir := t.TempDir()
	bundle := func(domain string) string {
		c, k, err := generate(domain)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, domain+".pem")
		if err := os.WriteFile(f, append(c, k...), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	p, err := New(Source{
		Bundles: []string{bundle("a.example"), bundle("b.example")},
		Dir:     filepath.Join(dir, "generated"),
		Domains: []string{"a.example", "b.example", "c.example"},
	}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Config()
	for name, want := range map[string]string{
		"a.example": "a.example",
		"b.example": "b.example",
		"c.example": "c.example", // no bundle names it: self-signed
		"":          "a.example", // no SNI: the first domain's
		"elsewhere": "a.example",
	} {
		got, err := cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: name})
		if err != nil {
			t.Fatal(err)
		}
		if got.Leaf.VerifyHostname(want) != nil {
			t.Errorf("asked for %q, got a certificate for %v, want one for %s", name, got.Leaf.DNSNames, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "generated", "c.example.crt")); err != nil {
		t.Errorf("no self-signed certificate generated for the uncovered domain: %v", err)
	}
}
