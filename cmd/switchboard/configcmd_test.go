package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// config check tries the PostgreSQL connection and names what failed; the
// driver's tests cover each failure against a real server.
func TestConfigCheckTriesPostgres(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dsn := "postgres://switchboard@" + l.Addr().String() + "/xmpp"
	l.Close()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"config", "check", "--storage-driver", "postgres", "--storage-dsn", dsn}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "storage: connecting to postgres") || !strings.Contains(stderr.String(), "host unreachable") {
		t.Errorf("config check with an unreachable database: exit %d, stderr %q; want 1 and a message naming the unreachable host", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "OK") {
		t.Errorf("config check said OK with an unreachable database: %q", stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	if code := run(t.Context(), []string{"config", "check", "--data-dir", t.TempDir(), "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0", "--listen-websocket", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "OK") {
		t.Errorf("config check of the defaults: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// selfSigned writes a certificate for name and its key under dir.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

// TestConfigCheckNamesWhatServeWouldRefuse: config check names, in one
// run, a misspelt built-in plugin, a certificate for another name, and a
// listener address already taken; each passed before while serve refused
// it (or, for the certificate, served it without a word).
func TestConfigCheckNamesWhatServeWouldRefuse(t *testing.T) {
	dir := t.TempDir()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cert, key := selfSigned(t, dir, "other.example")
	good, goodKey := selfSigned(t, dir, "example.org")
	write := func(body string) string {
		p := filepath.Join(dir, "switchboard.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := "domain: example.org\ndata_dir: " + dir + "\nlisten:\n  c2s_tls: ''\n  websocket: ''\n"
	bad := write(base + "  c2s: " + taken.Addr().String() + "\ntls:\n  cert_file: " + cert + "\n  key_file: " + key + "\nplugins:\n  vcrad: {}\n")
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"config", "check", "--config", bad}, strings.NewReader(""), &stdout, &stderr)
	for _, want := range []string{
		`plugins.vcrad: no built-in plugin has that name`,
		"not valid for the domain example.org",
		"listen.c2s: cannot listen on " + taken.Addr().String(),
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("config check does not say %q:\n%s", want, stderr.String())
		}
	}
	if code != 1 || strings.Contains(stdout.String(), "OK") {
		t.Errorf("exit %d, stdout %q; want 1 and no OK", code, stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	fine := write(base + "  c2s: 127.0.0.1:0\ntls:\n  cert_file: " + good + "\n  key_file: " + goodKey + "\n")
	if code := run(t.Context(), []string{"config", "check", "--config", fine}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "OK") {
		t.Errorf("the same configuration mended: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// config check has each plugin check its own section, as its Configure
// would decode it: a misspelt key, a value of the wrong type and one its
// Validate refuses are each named with the plugin and the key, together.
func TestConfigCheckAsksThePlugins(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "switchboard.yaml")
	body := "data_dir: " + dir + "\nlisten:\n  c2s: 127.0.0.1:0\n  c2s_tls: ''\n  websocket: ''\nplugins:\n" +
		"  muc:\n    config:\n      max_history: 5\n" +
		"  offline:\n    config:\n      max_messages: lots\n" +
		"  vcard:\n    config:\n      max_bytes: 0\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"config", "check", "--config", p}, strings.NewReader(""), &stdout, &stderr)
	for _, want := range []string{
		`plugins.muc.config: decoding config: unknown key "max_history"`,
		`plugins.offline.config: decoding config:`,
		`max_messages`,
		`plugins.vcard.config: invalid config:`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("config check does not say %q:\n%s", want, stderr.String())
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}
