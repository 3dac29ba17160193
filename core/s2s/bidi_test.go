package s2s

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// peerServer is one of two servers federating over loopback.
type peerServer struct {
	*Server
	router *fakeRouter
	ln     *countingListener
}

// peerSpec is one server of startPeers: its domain, whether it offers
// and asks for bidirectional streams, and whether it listens for direct
// TLS (XEP-0368) instead of STARTTLS.
type peerSpec struct {
	domain          string
	bidi, directTLS bool
}

// startPeers starts servers with certificates from one CA, each
// resolving the others through s2s.hosts.
func startPeers(t *testing.T, specs ...peerSpec) []*peerServer {
	t.Helper()
	p := newPKI(t)
	hosts := map[string]string{}
	var out []*peerServer
	for _, spec := range specs {
		cert := p.issue(spec.domain)
		cfg := Config{
			Domain: spec.domain, Local: func(d string) bool { return d == spec.domain },
			Hosted:      func(d string) bool { return d == spec.domain },
			Certificate: func(string) *tls.Certificate { return cert }, Roots: p.roots,
			TLSRequired: true, Dialback: true, Bidi: spec.bidi, Hosts: hosts,
			ConnectTimeout: 10 * time.Second, IdleTimeout: time.Minute, WriteTimeout: 5 * time.Second,
			Queue: 10, MaxInbound: 10,
		}
		r := &fakeRouter{got: make(chan routed, 16)}
		s := NewServer(cfg, r, hclog.NewNullLogger())
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln := &countingListener{Listener: l}
		serve := s.Serve
		hosts[spec.domain] = l.Addr().String()
		if spec.directTLS {
			serve = s.ServeDirectTLS
			hosts[spec.domain] = directTLSPrefix + l.Addr().String()
		}
		go serve(context.Background(), ln)
		t.Cleanup(func() {
			ln.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Shutdown(ctx)
		})
		out = append(out, &peerServer{Server: s, router: r, ln: ln})
	}
	return out
}

// startPair starts a.test and b.test; bidi says which of them offer and
// ask for bidirectional streams.
func startPair(t *testing.T, bidiA, bidiB bool) (a, b *peerServer) {
	t.Helper()
	p := startPeers(t, peerSpec{domain: "a.test", bidi: bidiA}, peerSpec{domain: "b.test", bidi: bidiB})
	return p[0], p[1]
}

// With both servers offering XEP-0288, the stream a.test opens carries
// b.test's stanzas back: b.test never connects to a.test, and what it
// sends arrives from its sender as stamped. With either one not offering
// it, each direction has its own connection.
func TestBidirectionalStream(t *testing.T) {
	for _, tt := range []struct {
		name         string
		bidiA, bidiB bool
		connectsBack int32
	}{
		{"both", true, true, 0},
		{"initiator without", false, true, 1},
		{"receiver without", true, false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := startPair(t, tt.bidiA, tt.bidiB)
			a.Send("b.test", []byte("<message from='alice@a.test/home' to='bob@b.test' id='m1' type='chat'><body>hi</body></message>"))
			if r := b.router.next(t); r.from != "alice@a.test/home" || r.el.Attr("id") != "m1" {
				t.Fatalf("b.test routed %s from %s", r.el.Raw, r.from)
			}
			b.Send("a.test", []byte("<message from='bob@b.test/desk' to='alice@a.test' id='m2' type='chat'><body>hello</body></message>"))
			if r := a.router.next(t); r.from != "bob@b.test/desk" || r.el.Attr("id") != "m2" {
				t.Fatalf("a.test routed %s from %s", r.el.Raw, r.from)
			}
			// And a second one each way, on the streams now set up.
			a.Send("b.test", []byte("<message from='alice@a.test/home' to='bob@b.test' id='m3'/>"))
			b.Send("a.test", []byte("<message from='bob@b.test/desk' to='alice@a.test' id='m4'/>"))
			if r := b.router.next(t); r.el.Attr("id") != "m3" {
				t.Fatalf("b.test routed %s", r.el.Raw)
			}
			if r := a.router.next(t); r.el.Attr("id") != "m4" {
				t.Fatalf("a.test routed %s", r.el.Raw)
			}
			if got := a.ln.accepted.Load(); got != tt.connectsBack {
				t.Errorf("b.test connected to a.test %d times, want %d", got, tt.connectsBack)
			}
			if got := b.ln.accepted.Load(); got != 1 {
				t.Errorf("a.test connected to b.test %d times, want 1", got)
			}
			if !slices.Contains(b.Outbound(), "a.test") {
				t.Errorf("b.test's streams to other servers: %v, want a.test among them", b.Outbound())
			}
		})
	}
}

// On a bidirectional stream the initiating server holds the peer to the
// domain it connected to: a stanza from another domain ends the stream
// with invalid-from and is not routed; the next stanza goes on a new
// stream.
func TestBidirectionalStreamChecksTheSender(t *testing.T) {
	a, b := startPair(t, true, true)
	a.Send("b.test", []byte("<message from='alice@a.test/home' to='bob@b.test' id='m1'/>"))
	b.router.next(t)
	b.Send("a.test", []byte("<message from='mallory@c.test' to='alice@a.test' id='forged'/>"))
	deadline := time.Now().Add(10 * time.Second)
	for slices.Contains(b.Outbound(), "a.test") {
		if time.Now().After(deadline) {
			t.Fatal("a.test did not end the stream that carried a stanza from c.test")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.router.none(t)
	b.Send("a.test", []byte("<message from='bob@b.test/desk' to='alice@a.test' id='m2'/>"))
	if r := a.router.next(t); r.el.Attr("id") != "m2" || r.from != "bob@b.test/desk" {
		t.Fatalf("a.test routed %s from %s, want m2", r.el.Raw, r.from)
	}
	a.router.none(t)
}

// <bidi/> is asked for before authenticating, and on a secure stream
// when TLS is required; a server that does not offer it refuses it.
func TestBidiRequestRules(t *testing.T) {
	s := startServer(t, func(c *Config) { c.Bidi = true })
	c := s.open(t, "b.test")
	c.Send("<bidi xmlns='urn:xmpp:bidi'/>")
	expectStreamError(t, c, "policy-violation")

	c = s.open(t, "b.test")
	if f := s.secure(t, c, "b.test", s.pki.issue("b.test")); !slices.Contains(f, "bidi") {
		t.Fatalf("features after TLS: %v, want bidi", f)
	}
	c = s.authenticated(t)
	c.Send("<bidi xmlns='urn:xmpp:bidi'/>")
	expectStreamError(t, c, "policy-violation")

	off := startServer(t, nil)
	c = off.open(t, "b.test")
	if f := off.secure(t, c, "b.test", off.pki.issue("b.test")); slices.Contains(f, "bidi") {
		t.Fatalf("features after TLS with bidi off: %v", f)
	}
	c.Send("<bidi xmlns='urn:xmpp:bidi'/>")
	expectStreamError(t, c, "unsupported-stanza-type")
}
