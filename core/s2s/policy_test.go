package s2s

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// denying refuses b.test as s2s.deny: [b.test] would.
func denying(c *Config) {
	c.Allowed = func(d string) error {
		if d == "b.test" {
			return errors.New("b.test is in s2s.deny")
		}
		return nil
	}
}

// A peer claiming a domain the operator's lists refuse is closed with
// policy-violation before it can authenticate; another domain is not.
func TestDeniedPeerRefused(t *testing.T) {
	s := startServer(t, denying)
	c := s.open(t, "b.test")
	expectStreamError(t, c, "policy-violation")
	c = s.open(t, "c.test")
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatalf("c.test, not denied: %v", err)
	}
}

// A peer that names no domain in its header and claims a refused one by
// dialback is closed alike.
func TestDeniedDialbackRefused(t *testing.T) {
	s := startServer(t, func(c *Config) {
		denying(c)
		c.TLSRequired = false
	})
	c := s.open(t, "")
	c.Send("<db:result from='b.test' to='a.test'>0123</db:result>")
	expectStreamError(t, c, "policy-violation")
}

// A stanza for a refused domain is bounced with not-allowed, without
// looking for its server.
func TestDeniedDomainBounced(t *testing.T) {
	s := startServer(t, denying)
	s.Send("b.test", []byte("<message from='alice@a.test/home' to='bob@b.test' id='m1' type='chat'><body>hi</body></message>"))
	r := s.router.next(t)
	if r.from != "bob@b.test" || r.el.Attr("type") != "error" || !strings.Contains(string(r.el.Raw), "<not-allowed") {
		t.Fatalf("bounce %s from %s, want not-allowed from bob@b.test", r.el.Raw, r.from)
	}
	if out := s.Outbound(); len(out) != 0 {
		t.Errorf("streams %v set up for a refused domain", out)
	}
}

// Past s2s.max_inbound streams, a new connection is closed at once.
func TestMaxInbound(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxInbound = 1 })
	first := s.open(t, "b.test")
	c, err := rawxmpp.Dial(s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.Send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='c.test' to='a.test' version='1.0'>")
	if err := c.ReadHeader(); err == nil {
		t.Fatal("a second stream was answered with max_inbound 1")
	}
	// The first is still served.
	if _, err := first.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatalf("the stream within the cap: %v", err)
	}
}
