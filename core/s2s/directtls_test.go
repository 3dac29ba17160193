package s2s

import (
	"net"
	"slices"
	"testing"
)

// Two servers that listen only for direct TLS (XEP-0368) reach each
// other: each opens its stream with TLS first and authenticates with
// SASL EXTERNAL on it, and stanzas go both ways.
func TestDirectTLS(t *testing.T) {
	p := startPeers(t, peerSpec{domain: "a.test", directTLS: true}, peerSpec{domain: "b.test", directTLS: true})
	a, b := p[0], p[1]
	a.Send("b.test", []byte("<message from='alice@a.test/home' to='bob@b.test' id='m1' type='chat'><body>hi</body></message>"))
	if r := b.router.next(t); r.from != "alice@a.test/home" || r.el.Attr("id") != "m1" {
		t.Fatalf("b.test routed %s from %s", r.el.Raw, r.from)
	}
	b.Send("a.test", []byte("<message from='bob@b.test/desk' to='alice@a.test' id='m2' type='chat'><body>hello</body></message>"))
	if r := a.router.next(t); r.from != "bob@b.test/desk" || r.el.Attr("id") != "m2" {
		t.Fatalf("a.test routed %s from %s", r.el.Raw, r.from)
	}
	if a.ln.accepted.Load() != 1 || b.ln.accepted.Load() != 1 {
		t.Fatalf("connections accepted: a.test %d, b.test %d; want one each", a.ln.accepted.Load(), b.ln.accepted.Load())
	}
}

// A STARTTLS peer at a direct TLS address fails the handshake and its
// stanzas are bounced, not sent in the clear.
func TestDirectTLSToAStartTLSListener(t *testing.T) {
	p := startPeers(t, peerSpec{domain: "a.test"}, peerSpec{domain: "b.test"})
	a, b := p[0], p[1]
	a.cfg.Hosts["b.test"] = directTLSPrefix + b.ln.Addr().String()
	a.Send("b.test", []byte("<message from='alice@a.test/home' to='bob@b.test' id='m1' type='chat'><body>hi</body></message>"))
	r := a.router.next(t)
	if r.el.Attr("type") != "error" || r.el.Attr("id") != "m1" {
		t.Fatalf("a.test routed %s, want m1 bounced", r.el.Raw)
	}
	b.router.none(t)
}

// SRV records of both services merge by priority, direct TLS first among
// equals, each service's own order kept (XEP-0368 §3).
func TestMergeSRV(t *testing.T) {
	direct := []*net.SRV{{Target: "tls1.example.", Port: 5270, Priority: 10}, {Target: "tls2.example.", Port: 443, Priority: 20}}
	starttls := []*net.SRV{{Target: "plain1.example.", Port: 5269, Priority: 5}, {Target: "plain2.example.", Port: 5269, Priority: 10}}
	got := mergeSRV(direct, starttls)
	want := []target{
		{addr: "plain1.example:5269"},
		{addr: "tls1.example:5270", directTLS: true},
		{addr: "plain2.example:5269"},
		{addr: "tls2.example:443", directTLS: true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("merged %v, want %v", got, want)
	}
}
