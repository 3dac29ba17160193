package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"mellium.im/sasl"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// vhostServer is one server hosting a.test and b.test, with certificates
// from a test CA: a.test's as tls.cert_file, b.test's as a bundle of
// tls.certificates. Federation is on, with both domains' s2s addresses
// pointing nowhere: a stanza between them that went through s2s would
// bounce instead of arriving.
type vhostServer struct {
	*server
	dir, cfg string
	roots    *x509.CertPool
}

func startVhosts(t *testing.T) *vhostServer {
	t.Helper()
	ca := newTestCA(t)
	aCert, aKey := ca.issue("a.test")
	bCert, bKey := ca.issue("b.test")
	bundle := filepath.Join(t.TempDir(), "b.test.bundle.pem")
	var pem []byte
	for _, f := range []string{bCert, bKey} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pem = append(pem, b...)
	}
	if err := os.WriteFile(bundle, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	yaml := fmt.Sprintf(`domains: [a.test, b.test]
listen:
  s2s: 127.0.0.1:0
tls:
  cert_file: %s
  key_file: %s
  certificates: [%s]
s2s:
  ca_file: %s
  hosts: [a.test=127.0.0.1:1, b.test=127.0.0.1:1]
`, aCert, aKey, bundle, ca.file)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	// The CLI takes each account's domain from its JID.
	for _, u := range []string{"alice@a.test", "bob@b.test", "carol@b.test"} {
		if out, err := run(t, dir, nil, "", "user", "add", u, "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add %s: %v %s", u, err, out)
		}
	}
	out, err := run(t, dir, nil, "", "user", "list", "--config", cfg)
	if err != nil || out != "alice@a.test\nbob@b.test\ncarol@b.test\n" {
		t.Fatalf("user list: %v %q", err, out)
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	t.Cleanup(func() {
		if t.Failed() {
			srv.mu.Lock()
			t.Logf("server logged:\n%s", srv.logText())
			srv.mu.Unlock()
		}
	})
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	return &vhostServer{server: srv, dir: dir, cfg: cfg, roots: roots}
}

// melliumAt logs user@domain in with mellium.im/xmpp, verifying the
// server's certificate for domain against the test CA: the login fails
// unless SNI (or the stream's 'to') picked the domain's certificate.
func (v *vhostServer) melliumAt(t *testing.T, domain, user string, direct bool, mech sasl.Mechanism) *melliumClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	origin := jid.MustParse(user + "@" + domain + "/mellium")
	tlsCfg := &tls.Config{RootCAs: v.roots, ServerName: domain}
	var (
		s   *xmpp.Session
		err error
	)
	if direct {
		conn, derr := tls.Dial("tcp", v.direct, tlsCfg)
		if derr != nil {
			t.Fatalf("direct TLS to %s: %v", domain, derr)
		}
		s, err = xmpp.NewSession(ctx, origin.Domain(), origin, conn, xmpp.Secure, xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: []xmpp.StreamFeature{xmpp.SASL("", "pw", mech), xmpp.BindResource()}}
		}))
	} else {
		conn, derr := net.Dial("tcp", v.starttls)
		if derr != nil {
			t.Fatal(derr)
		}
		s, err = xmpp.NewClientSession(ctx, origin, conn, xmpp.StartTLS(tlsCfg), xmpp.SASL("", "pw", mech), xmpp.BindResource())
	}
	if err != nil {
		t.Fatalf("mellium login as %s@%s: %v", user, domain, err)
	}
	c := &melliumClient{Session: s, messages: make(chan chatMessage, 16)}
	go serveMessages(c)
	t.Cleanup(func() { s.Close(); s.Conn().Close() })
	return c
}

// rawAt logs user@domain in over STARTTLS with the test's raw client and
// checks, from the client's side, the name of the certificate presented.
func (v *vhostServer) rawAt(t *testing.T, domain, user, resource string) (*rawxmpp.Client, string) {
	t.Helper()
	c, full, err := rawxmpp.Login(v.starttls, domain, user, "pw", resource)
	if err != nil {
		t.Fatalf("login %s@%s: %v", user, domain, err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	tc, ok := c.Conn.(*tls.Conn)
	if !ok {
		t.Fatalf("%s@%s: the stream is not over TLS", user, domain)
	}
	leaf := tc.ConnectionState().PeerCertificates[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: v.roots, DNSName: domain}); err != nil {
		t.Fatalf("%s@%s was presented a certificate for %v: %v", user, domain, leaf.DNSNames, err)
	}
	return c, full
}

// TestHostedDomainsCertificates: each hosted domain's client is presented
// that domain's certificate (SNI), over direct TLS and STARTTLS, checked
// by the client against the test CA; SCRAM with channel binding works on
// each; a client that names neither gets the primary domain's.
func TestHostedDomainsCertificates(t *testing.T) {
	v := startVhosts(t)
	for _, domain := range []string{"a.test", "b.test"} {
		conn, err := tls.Dial("tcp", v.direct, &tls.Config{RootCAs: v.roots, ServerName: domain})
		if err != nil {
			t.Fatalf("direct TLS as %s: %v", domain, err)
		}
		conn.Close()
	}
	v.melliumAt(t, "a.test", "alice", true, sasl.ScramSha256Plus)
	v.melliumAt(t, "b.test", "bob", true, sasl.ScramSha256Plus)
	v.melliumAt(t, "b.test", "carol", false, sasl.ScramSha256)
	v.rawAt(t, "b.test", "bob", "raw")

	conn, err := tls.Dial("tcp", v.direct, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if leaf := conn.ConnectionState().PeerCertificates[0]; leaf.VerifyHostname("a.test") != nil {
		t.Errorf("without SNI the certificate names %v, want a.test's", leaf.DNSNames)
	}
}

// TestHostedDomainsTalkDirectly: users of a.test and b.test on one server
// exchange messages, subscribe to each other and see each other's
// presence, routed in the server (s2s points nowhere, so nothing went
// that way); an account of one domain is not one of the other.
func TestHostedDomainsTalkDirectly(t *testing.T) {
	v := startVhosts(t)
	alice := v.melliumAt(t, "a.test", "alice", false, sasl.ScramSha256)
	bob := v.melliumAt(t, "b.test", "bob", true, sasl.ScramSha256)
	aliceFull, bobFull := alice.LocalAddr().String(), bob.LocalAddr().String()
	alice.sendChat(t, bobFull, "hello from a")
	bob.expectChat(t, aliceFull, "hello from a")
	bob.sendChat(t, aliceFull, "hello from b")
	alice.expectChat(t, bobFull, "hello from b")

	ra, _ := v.rawAt(t, "a.test", "alice", "home")
	rb, bobJID := v.rawAt(t, "b.test", "bob", "phone")
	iq(t, ra, "r1", "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
	iq(t, rb, "r2", "<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>")
	ra.Send("<presence to='bob@b.test' type='subscribe'/>")
	expectPush(t, ra, "bob@b.test", "none", true)
	expectPresence(t, rb, "alice@a.test", "subscribe")
	rb.Send("<presence to='alice@a.test' type='subscribed'/>")
	expectPush(t, rb, "alice@a.test", "from", false)
	expectEach(t, ra, isPush("bob@b.test", "to", false), isPresence("bob@b.test", "subscribed"), isPresence(bobJID, ""))
	rb.Send("<presence><show>away</show></presence>")
	if p := expectPresence(t, ra, bobJID, ""); p.FindElement("show") == nil {
		t.Fatalf("alice got %s, want bob away", describe(p))
	}
	rb.Send("<presence type='unavailable'/>")
	expectPresence(t, ra, bobJID, "unavailable")

	// alice@b.test is no account: the message is refused, not delivered
	// to alice@a.test.
	ra.Send("<message to='alice@b.test' id='m9' type='chat'><body>x</body></message>")
	el, err := ra.Expect(func(el *etree.Element) bool { return el.Tag == "message" && el.SelectAttrValue("id", "") == "m9" })
	if err != nil || el.SelectAttrValue("type", "") != "error" {
		t.Fatalf("a message to alice@b.test: %v %s, want an error", err, describe(el))
	}
	v.mu.Lock()
	logged := v.logText()
	v.mu.Unlock()
	if strings.Contains(logged, "s2s") {
		t.Errorf("something went through s2s between two hosted domains:\n%s", logged)
	}
}

// TestHostedDomainsDisco: each hosted domain answers disco#info as a
// server, from itself; a stream to a domain not hosted is host-unknown.
func TestHostedDomainsDisco(t *testing.T) {
	v := startVhosts(t)
	ra, _ := v.rawAt(t, "a.test", "alice", "home")
	for _, domain := range []string{"a.test", "b.test"} {
		res := iq(t, ra, "d-"+domain, "<iq type='get' id='d-%s' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", domain, domain)
		if res.SelectAttrValue("type", "") != "result" || res.SelectAttrValue("from", "") != domain {
			t.Fatalf("disco#info to %s: %s", domain, describe(res))
		}
		id := res.FindElement("query/identity")
		if id == nil || id.SelectAttrValue("category", "") != "server" {
			t.Errorf("disco#info of %s has no server identity: %s", domain, describe(res))
		}
	}

	c, err := rawxmpp.Dial(v.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.Send("<?xml version='1.0'?><stream:stream to='c.test' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
	if err := c.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	// Expect fails on a stream error, naming it.
	el, err := c.Expect(func(*etree.Element) bool { return false })
	if err == nil || !strings.Contains(err.Error(), "host-unknown") {
		t.Fatalf("a stream to c.test: %v %s, want host-unknown", err, describe(el))
	}
}

// TestHostedDomainsFederate: a server hosting a.test and c.test federates
// with b.test, certificates only (dialback off both ways): each hosted
// domain has a stream of its own to b.test, authenticated with its own
// certificate by SASL EXTERNAL, and b.test's stream to c.test is
// presented c.test's certificate (SNI).
func TestHostedDomainsFederate(t *testing.T) {
	ca := newTestCA(t)
	network := loopbackNet()
	x := &fedPeer{domain: "a.test", addr: network + "1:5269", users: []string{"alice", "carol@c.test"}, more: []string{"c.test"}}
	// b.test one-way (no XEP-0288), so that it opens a stream of its own
	// to c.test instead of answering on c.test's.
	b := &fedPeer{domain: "b.test", addr: network + "2:5269", users: []string{"bob"}, oneWay: true}
	x.cert, x.key = ca.issue(x.domain)
	x.bundles = []string{ca.bundle("c.test")}
	b.cert, b.key = ca.issue(b.domain)
	startFederated(t, ca.file, nil, x, b)

	alice, aliceJID := x.login(t, "alice", "home")
	carol, carolJID := rawLoginAt(t, x, "c.test", "carol", "home")
	bob, _ := b.login(t, "bob", "phone")
	for _, s := range []struct {
		c    *rawxmpp.Client
		from string
	}{{alice, aliceJID}, {carol, carolJID}} {
		id := "m-" + s.from[:5]
		s.c.Sendf("<message type='chat' to='bob@b.test' id='%s'><body>hi</body></message>", id)
		m, err := bob.Expect(isMsg(id))
		if err != nil || m.SelectAttrValue("from", "") != s.from {
			t.Fatalf("bob waiting for %s's message: %v %s", s.from, err, describe(m))
		}
	}
	for _, local := range []string{"a.test", "c.test"} {
		b.waitLogWhere(local+" authenticated at b.test with SASL EXTERNAL", func(l map[string]any) bool {
			return l["@message"] == "a remote server authenticated" && l["domain"] == local && l["auth"] == "SASL EXTERNAL"
		})
	}
	bob.Sendf("<message type='chat' to='%s' id='back'><body>hi carol</body></message>", carolJID)
	if m, err := carol.Expect(isMsg("back")); err != nil || m.FindElement("body").Text() != "hi carol" {
		t.Fatalf("carol waiting for bob's answer: %v %s", err, describe(m))
	}
	x.waitLogWhere("b.test authenticated at c.test with SASL EXTERNAL", func(l map[string]any) bool {
		return l["@message"] == "a remote server authenticated" && l["domain"] == "b.test" && l["auth"] == "SASL EXTERNAL"
	})
}

// rawLoginAt logs a user of another hosted domain of the peer in.
func rawLoginAt(t *testing.T, p *fedPeer, domain, user, resource string) (*rawxmpp.Client, string) {
	t.Helper()
	c, full, err := rawxmpp.Login(p.starttls, domain, user, "pw", resource)
	if err != nil {
		t.Fatalf("login %s@%s: %v", user, domain, err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c, full
}
