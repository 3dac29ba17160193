package s2s

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// A peer whose certificate proves its domain is offered SASL EXTERNAL,
// and its stanzas reach the router in the client namespace, from the
// sender as stamped.
func TestExternalAuthenticatesAndRoutes(t *testing.T) {
	s := startServer(t, nil)
	c := s.authenticated(t)
	c.Send("<message from='bob@b.test/phone' to='alice@a.test' id='m1' type='chat'><body>hi</body></message>")
	r := s.router.next(t)
	if r.from != "bob@b.test/phone" || r.el.Name != (stream.Name{Space: stream.NSClient, Local: "message"}) || r.el.Attr("id") != "m1" {
		t.Fatalf("routed %s {%s}%s from %s", r.el.Raw, r.el.Name.Space, r.el.Name.Local, r.from)
	}
}

// A stanza from a domain the stream did not authenticate ends the stream
// with invalid-from, and is not routed.
func TestStanzaFromAnotherDomainRefused(t *testing.T) {
	s := startServer(t, nil)
	c := s.authenticated(t)
	c.Send("<message from='mallory@c.test' to='alice@a.test' id='m1'><body>hi</body></message>")
	expectStreamError(t, c, "invalid-from")
	s.router.none(t)
}

// Stanzas before authentication are refused, and so is anything but
// STARTTLS before TLS when it is required.
func TestNothingBeforeAuthentication(t *testing.T) {
	s := startServer(t, nil)
	c := s.open(t, "b.test")
	c.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
	expectStreamError(t, c, "policy-violation")

	c = s.open(t, "b.test")
	s.secure(t, c, "b.test", nil)
	c.Send("<message from='bob@b.test' to='alice@a.test' id='m1'><body>hi</body></message>")
	expectStreamError(t, c, "not-authorized")
	s.router.none(t)
}

// A certificate for another domain than the one claimed gets no SASL
// EXTERNAL, and asking for it anyway fails.
func TestExternalNeedsTheClaimedDomain(t *testing.T) {
	s := startServer(t, nil)
	c := s.open(t, "c.test")
	features := s.secure(t, c, "c.test", s.pki.issue("b.test"))
	if slices.Contains(features, "EXTERNAL") {
		t.Fatalf("features %v offer EXTERNAL for a certificate of another domain", features)
	}
	c.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
	if el, err := c.Next(); err != nil || el.Tag != "failure" || el.FindElement("not-authorized") == nil {
		t.Fatalf("EXTERNAL with a certificate of another domain: %v %v", err, el)
	}
	// Nor may it name a domain other than the header's.
	c = s.open(t, "b.test")
	s.secure(t, c, "b.test", s.pki.issue("b.test"))
	c.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>Yy50ZXN0</auth>") // c.test
	if el, err := c.Next(); err != nil || el.Tag != "failure" || el.FindElement("invalid-authzid") == nil {
		t.Fatalf("EXTERNAL for another authorization identity: %v %v", err, el)
	}
}

// Without dialback, a peer without a valid certificate has no way in: no
// dialback feature, and db:result is refused.
func TestDialbackOff(t *testing.T) {
	s := startServer(t, func(c *Config) { c.Dialback = false })
	c := s.open(t, "b.test")
	if features := s.secure(t, c, "b.test", nil); slices.Contains(features, "dialback") || slices.Contains(features, "EXTERNAL") {
		t.Fatalf("features %v with dialback off and no certificate", features)
	}
	c.Send("<db:result from='b.test' to='a.test'>0123</db:result>")
	expectStreamError(t, c, "unsupported-stanza-type")
}

// As authoritative server, the server confirms the keys it gave and
// only those (XEP-0220 §2.3).
func TestDialbackVerify(t *testing.T) {
	s := startServer(t, nil)
	c := s.open(t, "b.test")
	s.secure(t, c, "b.test", nil)
	key := s.dialbackKey("b.test", "a.test", "stream1")
	for _, tt := range []struct{ id, key, want string }{
		{"stream1", key, "valid"},
		{"stream2", key, "invalid"},
		{"stream1", "0000", "invalid"},
	} {
		c.Sendf("<db:verify from='b.test' to='a.test' id='%s'>%s</db:verify>", tt.id, tt.key)
		el, err := c.Next()
		if err != nil || el.Tag != "verify" || el.SelectAttrValue("type", "") != tt.want || el.SelectAttrValue("id", "") != tt.id {
			t.Fatalf("db:verify id %s: %v %v, want type %s", tt.id, err, el, tt.want)
		}
	}
}

// Streams in the wrong namespace or for another host are refused, and so
// are stanzas for a domain not served here.
func TestHostileHeadersAndAddresses(t *testing.T) {
	s := startServer(t, nil)
	c := s.open(t, "b.test")
	c.Close()

	c2, _ := dialRaw(t, s.addr)
	c2.Send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='a.test' version='1.0'>")
	c2.ReadHeader()
	expectStreamError(t, c2, "invalid-namespace")

	c3, _ := dialRaw(t, s.addr)
	c3.Send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='z.test' version='1.0'>")
	c3.ReadHeader()
	expectStreamError(t, c3, "host-unknown")

	c4 := s.authenticated(t)
	c4.Send("<message from='bob@b.test' to='carol@z.test' id='m1'><body>relay me</body></message>")
	expectStreamError(t, c4, "host-unknown")
	s.router.none(t)
}

// A peer may not claim a domain served here, in its header or in
// db:result.
func TestPeerClaimingALocalDomain(t *testing.T) {
	s := startServer(t, nil)
	c := s.open(t, "a.test")
	expectStreamError(t, c, "invalid-from")

	c = s.open(t, "b.test")
	s.secure(t, c, "b.test", nil)
	c.Send("<db:result from='a.test' to='a.test'>0123</db:result>")
	expectStreamError(t, c, "invalid-from")
}

// A peer authenticated with dialback keeps its stream past the set-up
// deadline: from then on only idleness ends it. The answer comes from
// another goroutine, while the reader waits under the set-up deadline.
func TestDialbackOutlivesSetupDeadline(t *testing.T) {
	auth := authoritative(t)
	s := startServer(t, func(c *Config) {
		c.ConnectTimeout = 2 * time.Second
		c.TLSRequired = false
		c.Hosts["b.test"] = auth
	})
	c := s.open(t, "b.test")
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatal(err)
	}
	c.Send("<db:result from='b.test' to='a.test'>0123</db:result>")
	if el, err := c.Next(); err != nil || el.Tag != "result" || el.SelectAttrValue("type", "") != "valid" {
		t.Fatalf("db:result: %v %v", err, el)
	}
	// What is tested is a deadline passing: nothing to wait on but the
	// clock, past the server's set-up deadline.
	time.Sleep(3 * time.Second)
	c.Send("<message from='bob@b.test' to='alice@a.test' id='late'/>")
	if r := s.router.next(t); r.el.Attr("id") != "late" {
		t.Fatalf("routed %s", r.el.Raw)
	}
}

// authoritative is a stand-in for b.test's server that confirms every
// dialback key; it returns its address.
func authoritative(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		c := rawxmpp.New(nc)
		if err := c.ReadHeader(); err != nil {
			return
		}
		c.Send("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='b.test' id='auth1' version='1.0'><stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>")
		v, err := c.Expect(rawxmpp.Is("verify"))
		if err != nil {
			return
		}
		c.Sendf("<db:verify from='b.test' to='a.test' id='%s' type='valid'/>", v.SelectAttrValue("id", ""))
		c.Next()
	}()
	return ln.Addr().String()
}
