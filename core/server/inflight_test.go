package server

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// holdIQ is an echo request that the plugin holds until release(name).
func holdIQ(id, name string) string {
	return fmt.Sprintf("<iq type='get' to='localhost' id='%s'><q xmlns='%s' hold='%s'/></iq>", id, nsEcho, name)
}

// release lets the echo requests held under name go on; c gets the
// answer, with id.
func release(c *rawxmpp.Client, id, name string) {
	c.Sendf("<iq type='get' to='localhost' id='%s'><q xmlns='%s:release' hold='%s'/></iq>", id, nsEcho, name)
}

// nextOf reads the next n stanzas with the given ids, in the order they
// come, skipping stream management's requests.
func nextOf(t *testing.T, c *rawxmpp.Client, ids ...string) []string {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var got []string
	for len(got) < len(ids) {
		el, err := c.Next()
		if err != nil {
			t.Fatalf("waiting for %v, got %v: %v", ids, got, err)
		}
		if el.Tag == "r" {
			continue
		}
		id := el.SelectAttrValue("id", "")
		if !want[id] || el.SelectAttrValue("type", "") == "error" {
			t.Fatalf("got %s while waiting for %v", rawxmpp.Describe(el), ids)
		}
		got = append(got, id)
	}
	return got
}

func before(order []string, a, b string) bool {
	ia, ib := -1, -1
	for i, id := range order {
		switch id {
		case a:
			ia = i
		case b:
			ib = i
		}
	}
	return ia >= 0 && ib >= 0 && ia < ib
}

// inflightWorkers counts the goroutines working on stanzas that sessions
// handed off their readers.
func inflightWorkers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("c2s.(*inflight).work("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestSlowPluginHoldsUpNothingElse: while a plugin holds a client's
// request, the same client's ping to the server is answered and its
// message to another user is delivered (bob's reply comes back before the
// held answer); a second request in the held one's namespace waits for
// it (RFC 6120 §10.1). Before, the stream was read no further until the
// plugin answered.
func TestSlowPluginHoldsUpNothingElse(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo", "ping"))
	alice, aliceJID := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	alice.Send(holdIQ("held", "h1"))
	alice.Sendf("<iq type='get' to='localhost' id='second'><q xmlns='%s'/></iq>", nsEcho)
	alice.Send("<iq type='get' to='localhost' id='ping'><ping xmlns='urn:xmpp:ping'/></iq>")
	alice.Send("<message to='bob@localhost/b' id='hi' type='chat'><body>hi</body></message>")
	nextIs(t, alice, "the ping's answer while the plugin holds the first request", rawxmpp.ID("ping"))
	if _, err := bob.Expect(isMessage("hi")); err != nil {
		t.Fatalf("bob waiting for alice's message: %v", err)
	}
	bob.Sendf("<message to='%s' id='back' type='chat'><body>back</body></message>", aliceJID)
	nextIs(t, alice, "bob's reply while the plugin holds the first request", isMessage("back"))

	release(alice, "rel", "h1")
	order := nextOf(t, alice, "rel", "held", "second")
	if !before(order, "held", "second") {
		t.Errorf("answers came in the order %v: the second request to the same namespace overtook the held one", order)
	}
}

// TestInFlightBound: past limits.max_in_flight an IQ request is answered
// at once with resource-constraint of type wait, while a message to
// someone else still goes through; the held requests are answered once
// released.
func TestInFlightBound(t *testing.T) {
	s := startWith(t, func(c *config.Config) { c.Limits.MaxInFlight = 2 }, withPlugins("echo"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	alice.Send(holdIQ("held", "h1"))
	alice.Sendf("<iq type='get' to='localhost' id='queued'><q xmlns='%s'/></iq>", nsEcho)
	alice.Sendf("<iq type='get' to='localhost' id='over'><q xmlns='%s'/></iq>", nsEcho)
	el, err := alice.Next()
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("id", "") != "over" || el.FindElement("error/resource-constraint") == nil || el.FindElement("error").SelectAttrValue("type", "") != "wait" {
		t.Fatalf("first answer: %s, want resource-constraint of type wait for the third request", rawxmpp.Describe(el))
	}
	alice.Send("<message to='bob@localhost/b' id='hi' type='chat'><body>hi</body></message>")
	if _, err := bob.Expect(isMessage("hi")); err != nil {
		t.Fatalf("bob waiting for alice's message: %v", err)
	}
	release(bob, "rel", "h1")
	if got := nextOf(t, alice, "held", "queued"); !before(got, "held", "queued") {
		t.Errorf("answers came in the order %v", got)
	}
}

// TestStreamManagementCountsProcessedStanzas: a stanza counts as handled
// (XEP-0198 h) once it is processed, and h counts stanzas in the order
// sent: while a plugin holds the first, h stays short of it even though
// the messages after it were delivered; the client's <r/> is answered all
// the same.
func TestStreamManagementCountsProcessedStanzas(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	enableSM(t, alice)
	alice.Send(holdIQ("held", "h1"))
	alice.Send("<message to='bob@localhost/b' id='m1'/>")
	alice.Send("<message to='bob@localhost/b' id='m2'/>")
	if _, err := bob.Expect(isMessage("m2")); err != nil {
		t.Fatal(err)
	}
	alice.Send("<r xmlns='urn:xmpp:sm:3'/>")
	if h := ackedH(t, alice); h != "0" {
		t.Errorf("with the first stanza in a plugin, h = %s, want 0", h)
	}
	release(bob, "rel", "h1")
	if _, err := alice.Expect(rawxmpp.ID("held")); err != nil {
		t.Fatal(err)
	}
	alice.Send("<r xmlns='urn:xmpp:sm:3'/>")
	if h := ackedH(t, alice); h != "3" {
		t.Errorf("with everything processed, h = %s, want 3", h)
	}
}

func ackedH(t *testing.T, c *rawxmpp.Client) string {
	t.Helper()
	a, err := c.Expect(func(el *etree.Element) bool { return el.Tag == "a" })
	if err != nil {
		t.Fatal(err)
	}
	return a.SelectAttrValue("h", "")
}

// TestClosedSessionFinishesItsStanzas: a client that closes its stream
// while a plugin holds one of its requests, with a barrier (an IQ set to
// the server) and a message queued behind it, loses nothing: once the
// plugin answers, the rest is processed in order, the message reaches bob,
// and only then does the session end, leaving no worker behind.
func TestClosedSessionFinishesItsStanzas(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	enableSM(t, alice)
	alice.Send(holdIQ("held", "h1"))
	alice.Send("<iq type='set' to='localhost' id='barrier'><x xmlns='urn:example:nobody'/></iq>")
	alice.Send("<message to='bob@localhost/b' id='after'><body>after</body></message>")
	alice.Send("<r xmlns='urn:xmpp:sm:3'/>")
	if h := ackedH(t, alice); h != "0" {
		t.Fatalf("h = %s with everything held, want 0", h)
	}
	alice.Send("</stream:stream>")
	waitFor(t, "alice's connection to close", func() bool { return s.c2s.Len() == 1 })
	if n := len(s.Sessions().Resources("alice@localhost")); n != 1 {
		t.Fatalf("alice's session ended with its stanzas still held (%d sessions)", n)
	}
	release(bob, "rel", "h1")
	if _, err := bob.Expect(isMessage("after")); err != nil {
		t.Fatalf("the message queued when alice closed her stream: %v", err)
	}
	waitFor(t, "alice's session to end", func() bool { return len(s.Sessions().Resources("alice@localhost")) == 0 })
	waitFor(t, "no worker left", func() bool { return inflightWorkers() == 0 })
}

// TestResumptionWaitsForHeldStanzas: a client whose connection drops
// while a plugin holds its request resumes; <resumed/> waits for what the
// old connection handed off, so that its h counts every stanza processed
// (none is sent twice), and the answers made meanwhile follow it.
func TestResumptionWaitsForHeldStanzas(t *testing.T) {
	s := startWith(t, func(c *config.Config) { c.Limits.ResumeTimeout = time.Hour }, withPlugins("echo"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	id := enableSM(t, alice)
	alice.Send(holdIQ("held", "h1"))
	alice.Send("<iq type='set' to='localhost' id='barrier'><x xmlns='urn:example:nobody'/></iq>")
	alice.Send("<message to='bob@localhost/b' id='after'><body>after</body></message>")
	alice.Send("<r xmlns='urn:xmpp:sm:3'/>")
	if h := ackedH(t, alice); h != "0" {
		t.Fatalf("h = %s with everything held, want 0", h)
	}
	alice.Conn.Close()

	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	for _, step := range []func() error{
		func() error { return c.OpenStream(domain) },
		func() error { return c.StartTLS(domain) },
		func() error { return c.AuthPlain(domain, "alice", "secret") },
		func() error { _, err := c.Expect(rawxmpp.Is("features")); return err },
		func() error { return c.Sendf("<resume xmlns='urn:xmpp:sm:3' h='0' previd='%s'/>", id) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	release(bob, "rel", "h1")
	r, err := c.Expect(func(el *etree.Element) bool { return el.Tag == "resumed" || el.Tag == "failed" })
	if err != nil {
		t.Fatal(err)
	}
	if r.Tag != "resumed" || r.SelectAttrValue("h", "") != "3" {
		t.Fatalf("resumption: %s, want <resumed h='3'/>", rawxmpp.Describe(r))
	}
	if _, err := bob.Expect(isMessage("after")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Expect(rawxmpp.ID("held")); err != nil {
		t.Fatalf("the held request's answer after resumption: %v", err)
	}
	el, err := c.Expect(rawxmpp.ID("barrier"))
	if err != nil || el.FindElement("error/service-unavailable") == nil {
		t.Fatalf("the barrier's answer after resumption: %s %v", rawxmpp.Describe(el), err)
	}
}

// TestShutdownCancelsHeldStanzas: shutdown waits for held stanzas as for
// streams, up to its grace; then the plugin calls still running are
// cancelled, however long the plugin timeout, and no worker is left.
func TestShutdownCancelsHeldStanzas(t *testing.T) {
	s := startWith(t, func(c *config.Config) { c.Limits.PluginTimeout = time.Hour }, withPlugins("echo"))
	alice, _ := s.login(t, "alice", "a")
	alice.Send(holdIQ("held", "h1"))
	alice.Send("<iq type='get' to='localhost' id='ping'><q xmlns='" + nsEcho + ":inhand'/></iq>")
	if _, err := alice.Expect(rawxmpp.ID("ping")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("shutdown waits for a plugin call held for an hour")
	}
	if n := inflightWorkers(); n != 0 {
		t.Errorf("%d workers left after shutdown", n)
	}
}
