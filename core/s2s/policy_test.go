package s2s

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

func TestPolicy(t *testing.T) {
	for _, tt := range []struct {
		p      Policy
		domain string
		want   bool
	}{
		{Policy{}, "example.org", true},
		{Policy{Deny: []string{"spam.example"}}, "spam.example", false},
		{Policy{Deny: []string{"spam.example"}}, "muc.spam.example", true},
		{Policy{Deny: []string{"*.spam.example"}}, "muc.spam.example", false},
		{Policy{Deny: []string{"*.spam.example"}}, "spam.example", true},
		{Policy{Deny: []string{"*.spam.example"}}, "notspam.example", true},
		{Policy{Allow: []string{"partner.example"}}, "partner.example", true},
		{Policy{Allow: []string{"partner.example"}}, "other.example", false},
		{Policy{Allow: []string{"*.partner.example"}, Deny: []string{"x.partner.example"}}, "x.partner.example", false},
		{Policy{Allow: []string{"*.partner.example"}, Deny: []string{"x.partner.example"}}, "y.partner.example", true},
	} {
		if got := tt.p.Permits(tt.domain); got != tt.want {
			t.Errorf("%+v permits %s: %v, want %v", tt.p, tt.domain, got, tt.want)
		}
	}
}

// A domain the policy excludes is refused both ways: its streams end
// with policy-violation before anything else, and a stanza for it comes
// back to its sender as not-allowed, with no connection tried.
func TestPolicyApplies(t *testing.T) {
	for _, p := range []Policy{{Deny: []string{"b.test"}}, {Allow: []string{"*.b.test"}}} {
		s := startServer(t, func(c *Config) { c.Policy = p })
		c := s.open(t, "b.test")
		expectStreamError(t, c, "policy-violation")

		s.Send("b.test", []byte("<message from='alice@a.test/home' to='bob@b.test' id='m1' type='chat'><body>hi</body></message>"))
		r := s.router.next(t)
		if r.el.Attr("type") != "error" || r.el.Attr("id") != "m1" || r.from != "bob@b.test" || !strings.Contains(string(r.el.Raw), "<not-allowed") {
			t.Fatalf("%+v: routed %s from %s, want a not-allowed bounce", p, r.el.Raw, r.from)
		}
		if out := s.Outbound(); len(out) != 0 {
			t.Fatalf("%+v: streams to %v", p, out)
		}
	}
}

// s2s.max_inbound: past it a new connection is closed at once, before a
// stream header, and one more is taken once a stream has ended.
func TestMaxInbound(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxInbound = 1 })
	first := s.open(t, "b.test")
	second, _ := dialRaw(t, s.addr)
	second.Send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='c.test' to='a.test' version='1.0'>")
	if err := second.ReadHeader(); err == nil {
		t.Fatal("a second stream was answered past s2s.max_inbound 1")
	}
	first.Send("</stream:stream>")
	first.Conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _ := dialRaw(t, s.addr)
		c.Send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='c.test' to='a.test' version='1.0'>")
		if c.ReadHeader() == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no stream taken after the first one ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// s2s.max_streams_per_domain: past it, one more stream authenticating
// for the same domain is refused with policy-violation.
func TestMaxStreamsPerDomain(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxPerDomain = 1 })
	s.authenticated(t)
	c := s.open(t, "b.test")
	s.secure(t, c, "b.test", s.pki.issue("b.test"))
	c.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
	expectStreamError(t, c, "policy-violation")
}

// A peer's stream is read through the shaper when s2s.rate_bytes_per_second
// is set (the pacing itself is limiter.Shaper's, tested there).
func TestInboundShaped(t *testing.T) {
	for _, rate := range []int{0, 1000} {
		s := NewServer(Config{RateBytes: rate, RateBurst: rate}, nil, hclog.NewNullLogger())
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		_, shaped := newInbound(s, a).nc.(shapedConn)
		if shaped != (rate > 0) {
			t.Errorf("rate %d: shaped %v", rate, shaped)
		}
	}
}

// A peer that names no domain in its header and claims a refused one by
// dialback is closed alike.
func TestDeniedDialbackRefused(t *testing.T) {
	s := startServer(t, func(c *Config) {
		c.Policy = Policy{Deny: []string{"b.test"}}
		c.TLSRequired = false
	})
	c := s.open(t, "")
	c.Send("<db:result from='b.test' to='a.test'>0123</db:result>")
	expectStreamError(t, c, "policy-violation")
}
