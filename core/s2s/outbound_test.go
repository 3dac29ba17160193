package s2s

import (
	"net"
	"strings"
	"testing"
	"time"
)

// A stanza for a domain whose server cannot be reached comes back to its
// sender as remote-server-not-found, from the address it was for.
func TestUnreachableBounced(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	s := startServer(t, func(c *Config) { c.Hosts["c.test"] = closed })
	s.Send("c.test", []byte("<message from='alice@a.test/home' to='carol@c.test' id='m1' type='chat'><body>hi</body></message>"))
	r := s.router.next(t)
	if r.from != "carol@c.test" || r.el.Attr("type") != "error" || r.el.Attr("to") != "alice@a.test/home" || !strings.Contains(string(r.el.Raw), "<remote-server-not-found") {
		t.Fatalf("bounce %s from %s", r.el.Raw, r.from)
	}
	// An error is never answered with an error.
	s.Send("c.test", []byte("<message from='alice@a.test/home' to='carol@c.test' id='m2' type='error'/>"))
	s.Send("c.test", []byte("<message from='alice@a.test/home' to='carol@c.test' id='m3'/>"))
	if r := s.router.next(t); r.el.Attr("id") != "m3" {
		t.Fatalf("bounced %s, want only m3", r.el.Raw)
	}
}

// While a stream is set up at most s2s.queue stanzas wait; the next is
// bounced at once with resource-constraint, and those waiting with
// remote-server-timeout when the set-up takes too long.
func TestQueueBoundAndTimeout(t *testing.T) {
	// A server that accepts and never says a word.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	s := startServer(t, func(c *Config) {
		c.Hosts["mute.test"] = ln.Addr().String()
		c.Queue = 1
		c.ConnectTimeout = 500 * time.Millisecond
	})
	s.Send("mute.test", []byte("<message from='alice@a.test/home' to='bob@mute.test' id='m1'/>"))
	s.Send("mute.test", []byte("<message from='alice@a.test/home' to='bob@mute.test' id='m2'/>"))
	want := map[string]string{"m1": "remote-server-timeout", "m2": "resource-constraint"}
	for range 2 {
		r := s.router.next(t)
		cond, ok := want[r.el.Attr("id")]
		if !ok || !strings.Contains(string(r.el.Raw), "<"+cond) {
			t.Fatalf("bounce %s, want one of %v", r.el.Raw, want)
		}
		delete(want, r.el.Attr("id"))
	}
}
