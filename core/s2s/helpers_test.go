package s2s

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// pki is a CA made for one test, and certificates it issues.
type pki struct {
	t     testing.TB
	ca    *x509.Certificate
	key   *ecdsa.PrivateKey
	roots *x509.CertPool
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &pki{t: t, ca: ca, key: key, roots: roots}
}

func (p *pki) issue(domain string) *tls.Certificate {
	p.t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: domain}, DNSNames: []string{domain},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.key)
	if err != nil {
		p.t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// routed is a stanza the fake router was given, with its sender.
type routed struct {
	from string
	el   *stream.Element
}

type fakeRouter struct{ got chan routed }

func (f *fakeRouter) RouteRemote(_ context.Context, from *session.Session, el *stream.Element, buf []byte) []byte {
	f.got <- routed{from.Full, el.Copy()}
	return buf
}

// next waits for the next routed stanza.
func (f *fakeRouter) next(t *testing.T) routed {
	t.Helper()
	select {
	case r := <-f.got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("nothing routed within 10 s")
		return routed{}
	}
}

// none checks that nothing was routed so far.
func (f *fakeRouter) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-f.got:
		t.Fatalf("routed %s from %s", r.el.Raw, r.from)
	default:
	}
}

// testServer is a.test's s2s side, listening on loopback.
type testServer struct {
	*Server
	addr   string
	router *fakeRouter
	pki    *pki
}

func startServer(t *testing.T, mutate func(*Config)) *testServer {
	t.Helper()
	p := newPKI(t)
	cert := p.issue("a.test")
	cfg := Config{
		Domain:         "a.test",
		Hosted:         func(d string) bool { return d == "a.test" },
		Local:          func(d string) bool { return d == "a.test" },
		Certificate:    func(string) *tls.Certificate { return cert },
		Roots:          p.roots,
		TLSRequired:    true,
		Dialback:       true,
		Hosts:          map[string]string{},
		ConnectTimeout: 10 * time.Second,
		IdleTimeout:    time.Minute,
		WriteTimeout:   5 * time.Second,
		Queue:          10,
		MaxInbound:     10,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	r := &fakeRouter{got: make(chan routed, 16)}
	s := NewServer(cfg, r, hclog.NewNullLogger())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(context.Background(), ln)
	t.Cleanup(func() {
		ln.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return &testServer{Server: s, addr: ln.Addr().String(), router: r, pki: p}
}

// open starts a stream to the server claiming from, and reads its header.
func (s *testServer) open(t *testing.T, from string) *rawxmpp.Client {
	t.Helper()
	c, err := rawxmpp.Dial(s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	s.header(t, c, from)
	return c
}

func (s *testServer) header(t *testing.T, c *rawxmpp.Client, from string) {
	t.Helper()
	c.Sendf("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='%s' to='a.test' version='1.0'>", from)
	if err := c.ReadHeader(); err != nil {
		t.Fatal(err)
	}
}

// secure runs STARTTLS presenting cert (nil: none) and returns the
// features offered after it.
func (s *testServer) secure(t *testing.T, c *rawxmpp.Client, from string, cert *tls.Certificate) []string {
	t.Helper()
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatal(err)
	}
	c.Send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	if _, err := c.Expect(rawxmpp.Is("proceed")); err != nil {
		t.Fatal(err)
	}
	c.TLS = &tls.Config{RootCAs: s.pki.roots}
	if cert != nil {
		c.TLS.Certificates = []tls.Certificate{*cert}
	}
	if err := c.UpgradeTLS("a.test"); err != nil {
		t.Fatal(err)
	}
	s.header(t, c, from)
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, el := range f.ChildElements() {
		names = append(names, el.Tag)
		for _, m := range el.SelectElements("mechanism") {
			names = append(names, m.Text())
		}
	}
	return names
}

// authenticated is a stream from b.test, secured and authenticated with
// SASL EXTERNAL.
func (s *testServer) authenticated(t *testing.T) *rawxmpp.Client {
	t.Helper()
	c := s.open(t, "b.test")
	s.secure(t, c, "b.test", s.pki.issue("b.test"))
	c.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
	if el, err := c.Next(); err != nil || el.Tag != "success" {
		t.Fatalf("SASL EXTERNAL: %v %v", err, el)
	}
	s.header(t, c, "b.test")
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatal(err)
	}
	return c
}

// expectStreamError reads until a stream error, and checks its condition.
func expectStreamError(t *testing.T, c *rawxmpp.Client, cond string) {
	t.Helper()
	el, err := c.Expect(func(el *etree.Element) bool {
		return el.Tag == "error" && el.SelectAttrValue("xmlns", "") == stream.NSStream
	})
	if err != nil {
		t.Fatalf("waiting for stream error %s: %v", cond, err)
	}
	if len(el.ChildElements()) == 0 || el.ChildElements()[0].Tag != cond {
		t.Fatalf("stream error = %s, want %s", rawxmpp.Describe(el), cond)
	}
}

func dialRaw(t *testing.T, addr string) (*rawxmpp.Client, error) {
	t.Helper()
	c, err := rawxmpp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c, nil
}
