package s2s

import (
	"fmt"
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

// A domain that could not be reached is not tried again before
// s2s.retry_min: stanzas for it meanwhile bounce at once with
// remote-server-not-found, and the next attempt after the wait connects.
func TestUnreachableBackoff(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A server that hangs up at once: each attempt is one connection.
	accepts := make(chan struct{}, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
			accepts <- struct{}{}
		}
	}()
	t.Cleanup(func() { l.Close() })
	s := startServer(t, func(c *Config) {
		c.Hosts["c.test"] = l.Addr().String()
		c.RetryMin, c.RetryMax = 300*time.Millisecond, time.Minute
	})
	send := func(id string) routed {
		s.Send("c.test", []byte("<message from='alice@a.test/home' to='carol@c.test' id='"+id+"'/>"))
		r := s.router.next(t)
		if r.el.Attr("id") != id || r.el.Attr("type") != "error" || !strings.Contains(string(r.el.Raw), "remote-server-not-found") {
			t.Fatalf("routed %s, want %s bounced with remote-server-not-found", r.el.Raw, id)
		}
		return r
	}
	send("m1")
	<-accepts
	if r := send("m2"); !strings.Contains(string(r.el.Raw), "not trying again") {
		t.Fatalf("m2 bounced with %s, want the wait named", r.el.Raw)
	}
	select {
	case <-accepts:
		t.Fatal("c.test was tried again within s2s.retry_min")
	default:
	}
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		send(fmt.Sprint("later", i))
		select {
		case <-accepts:
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("c.test was never tried again")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
