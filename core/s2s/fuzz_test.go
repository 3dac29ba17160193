package s2s

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
)

// FuzzInbound feeds a peer's side of a stream to the inbound code: the
// header, features, SASL, dialback, bidi and stanza handling must end the
// stream cleanly whatever comes, and route only stanzas from the
// authenticated domain to a local one. TLS is optional here, so that
// the input reaches everything past STARTTLS; b.test counts as
// authenticated from the start, so that stanzas are routed.
func FuzzInbound(f *testing.F) {
	const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='b.test' to='a.test' version='1.0'>"
	for _, seed := range []string{
		header + "<message from='bob@b.test' to='alice@a.test' id='1'><body>hi</body></message></stream:stream>",
		header + "<message from='eve@c.test' to='alice@a.test'/>",
		header + "<iq from='b.test' to='a.test' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>",
		header + "<presence from='bob@b.test/x' to='alice@a.test' type='subscribe'/>",
		header + "<db:verify from='b.test' to='a.test' id='abc'>deadbeef</db:verify>",
		header + "<db:result from='b.test' to='a.test'>deadbeef</db:result>",
		header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>YS50ZXN0</auth>",
		header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
		header + "<message from='bob@b.test' to='carol@z.test'/>",
		"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
		header + "<db:result xmlns:db='jabber:server:dialback' from='' to='a.test'/><message/>",
		header + "<bidi xmlns='urn:xmpp:bidi'/><db:result from='b.test' to='a.test'>deadbeef</db:result>",
		header + "<bidi xmlns='urn:xmpp:bidi'/><bidi xmlns='urn:xmpp:bidi'/>",
	} {
		f.Add([]byte(seed))
	}
	p := newPKI(f)
	cert := p.issue("a.test")
	f.Fuzz(func(t *testing.T, in []byte) {
		r := &fakeRouter{got: make(chan routed, 64)}
		s := NewServer(Config{
			Domain:         "a.test",
			Hosted:         func(d string) bool { return d == "a.test" },
			Local:          func(d string) bool { return d == "a.test" },
			Certificate:    func(string) *tls.Certificate { return cert },
			Roots:          p.roots,
			Hosts:          map[string]string{},
			ConnectTimeout: time.Second, IdleTimeout: time.Second, WriteTimeout: time.Second,
			Queue: 1, MaxInbound: 1, MaxPerDomain: 1, Bidi: true,
		}, r, hclog.NewNullLogger())
		srv, peer := net.Pipe()
		go io.Copy(io.Discard, peer)
		go func() {
			peer.Write(in)
			peer.Close()
		}()
		c := newInbound(s, srv)
		c.authed["b.test"] = true
		done := make(chan struct{})
		go func() {
			c.serve(context.Background())
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the stream did not end")
		}
		close(r.got)
		for got := range r.got {
			if got.el.Attr("to") == "" {
				t.Fatalf("routed a stanza without 'to': %s", got.el.Raw)
			}
			if from, err := jidprep.Parse(got.from); err != nil || from.Domain != "b.test" {
				t.Fatalf("routed a stanza from %s", got.from)
			}
			if to, err := jidprep.Parse(got.el.Attr("to")); err != nil || to.Domain != "a.test" {
				t.Fatalf("routed a stanza to %s", got.el.Attr("to"))
			}
		}
	})
}
