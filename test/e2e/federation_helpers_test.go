package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	t    *testing.T
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // the CA certificate, PEM
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "switchboard test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	dir := t.TempDir()
	ca := &testCA{t: t, dir: dir, cert: cert, key: key, file: filepath.Join(dir, "ca.pem")}
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// issue makes a certificate for domain, for server and client
// authentication, and returns its files.
func (ca *testCA) issue(domain string) (certFile, keyFile string) {
	t := ca.t
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: domain},
		DNSNames:     []string{domain},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(ca.dir, domain+".pem"), filepath.Join(ca.dir, domain+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", kder)
	return certFile, keyFile
}

// bundle makes a certificate for domain and returns one PEM file with it
// and its key, as tls.certificates takes them.
func (ca *testCA) bundle(domain string) string {
	certFile, keyFile := ca.issue(domain)
	var b []byte
	for _, f := range []string{certFile, keyFile} {
		pem, err := os.ReadFile(f)
		if err != nil {
			ca.t.Fatal(err)
		}
		b = append(b, pem...)
	}
	path := filepath.Join(ca.dir, domain+".bundle.pem")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		ca.t.Fatal(err)
	}
	return path
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// loopbackNet picks a 127.x.y.0/24 of its own for a test's servers, so
// that they can listen on the standard port 5269 and name each other's
// address before either starts.
func loopbackNet() string {
	return fmt.Sprintf("127.%d.%d.", 100+mrand.IntN(100), 1+mrand.IntN(250))
}

// fedPeer is one of a test's federated servers.
type fedPeer struct {
	domain string
	addr   string // listen.s2s, or listen.s2s_tls with directTLS
	// directTLS: the peer listens for TLS from the start (XEP-0368)
	// alone, and the others' s2s.hosts say so.
	directTLS bool
	// cert and key: "" for a self-signed certificate, which no peer
	// trusts.
	cert, key string
	dialback  bool
	oneWay    bool // s2s.bidi off: each direction on a stream of its own
	// more are more hosted domains, each with its certificate in a
	// bundle (chain and key in one PEM file).
	more, bundles []string
	users         []string // usernames of domain, or JIDs of another hosted domain
	dir, cfg      string   // where it runs, for restart
	*server
}

// restart starts the peer again on its data and configuration, after
// its process ended.
func (p *fedPeer) restart(t *testing.T) {
	t.Helper()
	p.server = startServer(t, p.dir, nil, "--config", p.cfg)
	p.waitLog("listening for servers")
	p.waitLog("server started")
}

// startFederated starts each peer with s2s.hosts naming all the others
// (and any extra entries), trusting the CA file.
// federatedPair runs a.test (users aUsers) and b.test (users bUsers),
// federated with certificates from a CA of the test's, each on an address
// of its own on loopback.
func federatedPair(t *testing.T, aUsers, bUsers []string) (a, b *fedPeer) {
	t.Helper()
	ca := newTestCA(t)
	network := loopbackNet()
	a = &fedPeer{domain: "a.test", addr: network + "1:5269", users: aUsers}
	b = &fedPeer{domain: "b.test", addr: network + "2:5269", users: bUsers}
	a.cert, a.key = ca.issue(a.domain)
	b.cert, b.key = ca.issue(b.domain)
	startFederated(t, ca.file, nil, a, b)
	return a, b
}

func startFederated(t *testing.T, caFile string, extraHosts []string, peers ...*fedPeer) {
	t.Helper()
	var hosts []string
	for _, p := range peers {
		addr := p.addr
		if p.directTLS {
			addr = "tls://" + p.addr
		}
		hosts = append(hosts, p.domain+"="+addr)
		for _, d := range p.more {
			hosts = append(hosts, d+"="+addr)
		}
	}
	hosts = append(hosts, extraHosts...)
	for _, p := range peers {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "switchboard.yaml")
		var b strings.Builder
		listener := "s2s"
		if p.directTLS {
			listener = "s2s_tls"
		}
		fmt.Fprintf(&b, "domain: %s\nlisten:\n  %s: %s\n", p.domain, listener, p.addr)
		if len(p.more) > 0 {
			fmt.Fprintf(&b, "domains: [%s, %s]\n", p.domain, strings.Join(p.more, ", "))
		}
		if p.cert != "" {
			fmt.Fprintf(&b, "tls:\n  cert_file: %s\n  key_file: %s\n  certificates: [%s]\n", p.cert, p.key, strings.Join(p.bundles, ", "))
		}
		fmt.Fprintf(&b, "s2s:\n  ca_file: %s\n  dialback: %t\n  bidi: %t\n  retry_min: 1s\n  hosts: [%s]\n", caFile, p.dialback, !p.oneWay, strings.Join(hosts, ", "))
		if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, u := range p.users {
			if !strings.Contains(u, "@") {
				u += "@" + p.domain
			}
			if out, err := run(t, dir, nil, "", "user", "add", u, "--password", "pw", "--config", cfg); err != nil {
				t.Fatalf("user add: %v %s", err, out)
			}
		}
		p.dir, p.cfg = dir, cfg
		p.server = startServer(t, dir, nil, "--config", cfg)
		srv, domain := p.server, p.domain
		t.Cleanup(func() {
			if t.Failed() {
				srv.mu.Lock()
				t.Logf("%s logged:\n%s", domain, srv.logText())
				srv.mu.Unlock()
			}
		})
		p.waitLog("listening for servers")
		p.waitLog("server started")
	}
}

// login logs a user of the peer's domain in, with initial presence.
func (p *fedPeer) login(t *testing.T, user, resource string) (*rawxmpp.Client, string) {
	t.Helper()
	c, full, err := rawxmpp.Login(p.starttls, p.domain, user, "pw", resource)
	if err != nil {
		t.Fatalf("login %s@%s: %v", user, p.domain, err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c, full
}
