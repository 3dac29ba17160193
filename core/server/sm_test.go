package server

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

func isMessage(id string) func(*etree.Element) bool {
	return func(el *etree.Element) bool { return el.Tag == "message" && el.SelectAttrValue("id", "") == id }
}

// enableSM turns stream management on and returns the resumption id.
func enableSM(t *testing.T, c *rawxmpp.Client) string {
	t.Helper()
	c.Send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
	el, err := c.Expect(rawxmpp.Is("enabled"))
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("resume", "") != "true" || el.SelectAttrValue("id", "") == "" {
		t.Fatalf("enabled = %s", rawxmpp.Describe(el))
	}
	return el.SelectAttrValue("id", "")
}

func TestStreamManagementCounts(t *testing.T) {
	s := start(t, nil)
	alice, _ := s.login(t, "alice", "a")
	s.login(t, "bob", "b")
	enableSM(t, alice)
	for i := 0; i < 3; i++ {
		alice.Sendf("<message to='bob@localhost/b' id='c%d'/>", i)
	}
	alice.Send("<r xmlns='urn:xmpp:sm:3'/>")
	a, err := alice.Expect(rawxmpp.Is("a"))
	if err != nil {
		t.Fatal(err)
	}
	if a.SelectAttrValue("h", "") != "3" {
		t.Errorf("server counted %s stanzas, want 3", a.SelectAttrValue("h", ""))
	}
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='0'/>")
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='99'/>")
	expectStreamError(t, alice, "undefined-condition")
}

// nextIs reads the next element and fails unless it is what is wanted:
// the order of stanzas and requests is what these tests are about.
func nextIs(t *testing.T, c *rawxmpp.Client, what string, match func(*etree.Element) bool) {
	t.Helper()
	el, err := c.Next()
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	if !match(el) {
		t.Fatalf("got %s, want %s", rawxmpp.Describe(el), what)
	}
}

// TestAckRequestedAfterEachBurst: the server asks for an acknowledgement
// right after the first unacknowledged stanza, one request at a time, and
// again when an answer leaves something unacknowledged, so that a client
// that answers ends its session with nothing to be sent twice.
func TestAckRequestedAfterEachBurst(t *testing.T) {
	s := start(t, nil)
	alice, aliceJID := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	enableSM(t, alice)
	bob.Sendf("<message to='%s' id='m1'/>", aliceJID)
	nextIs(t, alice, "m1", isMessage("m1"))
	nextIs(t, alice, "a request after the first stanza", rawxmpp.Is("r"))
	bob.Sendf("<message to='%s' id='m2'/>", aliceJID)
	bob.Sendf("<message to='%s' id='m3'/>", aliceJID)
	nextIs(t, alice, "m2", isMessage("m2"))
	nextIs(t, alice, "m3, with no second request while one is out", isMessage("m3"))
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='1'/>")
	nextIs(t, alice, "a request for m2 and m3, still unacknowledged", rawxmpp.Is("r"))
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='3'/>")
	alice.Send("<iq type='get' id='q' to='alice@localhost/nobody'><query xmlns='urn:example:none'/></iq>")
	nextIs(t, alice, "the answer to q, with nothing left to request before it", rawxmpp.ID("q"))
	nextIs(t, alice, "a request for the answer", rawxmpp.Is("r"))
}

// TestResumeAfterConnectionDrop drops alice's TCP connection in the middle
// of a conversation; bob keeps writing; alice resumes on a new connection
// and gets every message exactly once.
func TestResumeAfterConnectionDrop(t *testing.T) {
	s := start(t, nil)
	alice, aliceJID := s.login(t, "alice", "phone")
	bob, _ := s.login(t, "bob", "b")
	id := enableSM(t, alice)
	for i := 0; i < 3; i++ {
		bob.Sendf("<message to='%s' id='m%d' type='chat'><body>%d</body></message>", aliceJID, i, i)
	}
	for i := 0; i < 3; i++ {
		if _, err := alice.Expect(isMessage(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='1'/>") // acknowledges m0 only
	alice.Conn.Close()                             // the network goes away, no </stream:stream>
	waitFor(t, "the server to notice the drop", func() bool { return s.c2s.Len() == 1 })
	for i := 3; i < 6; i++ {
		bob.Sendf("<message to='%s' id='m%d' type='chat'><body>%d</body></message>", aliceJID, i, i)
	}
	// Routing still finds alice's session while it waits to be resumed.
	bob.Sendf("<message to='alice@localhost' id='m6' type='chat'><body>6</body></message>")

	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	if err := c.AuthPlain(domain, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatal(err)
	}
	c.Sendf("<resume xmlns='urn:xmpp:sm:3' h='1' previd='%s'/>", id)
	r, err := c.Expect(rawxmpp.Is("resumed"))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.SelectAttrValue("h", ""); h != "0" { // alice sent no stanza after enabling
		t.Errorf("resumed with h=%s, want 0", h)
	}
	seen := map[string]int{}
	for len(seen) < 6 {
		el, err := c.Expect(rawxmpp.Is("message"))
		if err != nil {
			t.Fatalf("after resuming got %v; seen %v", err, seen)
		}
		seen[el.SelectAttrValue("id", "")]++
	}
	for i := 1; i <= 6; i++ {
		if n := seen["m"+strconv.Itoa(i)]; n != 1 {
			t.Errorf("m%d delivered %d times after resumption", i, n)
		}
	}
	if seen["m0"] != 0 {
		t.Error("an acknowledged message was sent again")
	}
	// The resumed session is the same: bob still reaches it by full JID.
	bob.Sendf("<message to='%s' id='after'/>", aliceJID)
	if _, err := c.Expect(isMessage("after")); err != nil {
		t.Fatal(err)
	}
}

// resumeOn opens a new stream for user and sends <resume/> with h and
// previd, returning the answer.
func resumeOn(t *testing.T, s *testServer, user, previd string, h int) (*rawxmpp.Client, *etree.Element) {
	t.Helper()
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	for _, step := range []func() error{
		func() error { return c.OpenStream(domain) },
		func() error { return c.StartTLS(domain) },
		func() error { return c.AuthPlain(domain, user, "secret") },
		func() error { _, err := c.Expect(rawxmpp.Is("features")); return err },
		func() error { return c.Sendf("<resume xmlns='urn:xmpp:sm:3' h='%d' previd='%s'/>", h, previd) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	el, err := c.Expect(func(el *etree.Element) bool { return el.Tag == "resumed" || el.Tag == "failed" })
	if err != nil {
		t.Fatal(err)
	}
	return c, el
}

// TestRefusedResumptionLeavesNoSessionBehind: a resumption whose h
// acknowledges more than the server sent is refused with
// undefined-condition and the server's own h, and the old session ends as
// on expiry (its unacknowledged message goes back to the sender) instead
// of staying bound for ever; the client binds afresh on the same stream.
// Before, each such attempt left a session with no connection and no
// timer, until the account hit max_resources.
func TestRefusedResumptionLeavesNoSessionBehind(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.ResumeTimeout = time.Hour
		c.Limits.MaxResources = 2
	})
	bob, _ := s.login(t, "bob", "b")
	for round := 0; round < 3; round++ {
		alice, aliceJID := s.login(t, "alice", "phone")
		id := enableSM(t, alice)
		msg := fmt.Sprintf("r%d", round)
		bob.Sendf("<message to='%s' id='%s' type='chat'><body>hi</body></message>", aliceJID, msg)
		if _, err := alice.Expect(isMessage(msg)); err != nil {
			t.Fatal(err)
		}
		alice.Conn.Close()
		c, el := resumeOn(t, s, "alice", id, 999)
		if el.Tag != "failed" || el.SelectElement("undefined-condition") == nil || el.SelectAttrValue("h", "") != "0" {
			t.Fatalf("resuming with h=999 after 1 stanza: %s, want <failed h='0'> with undefined-condition", rawxmpp.Describe(el))
		}
		back, err := bob.Expect(isMessage(msg))
		if err != nil {
			t.Fatal(err)
		}
		if back.SelectAttrValue("type", "") != "error" {
			t.Fatalf("the unacknowledged message came back as %s, want an error", rawxmpp.Describe(back))
		}
		if _, err := c.BindNow("laptop"); err != nil {
			t.Fatalf("round %d: binding after the refused resumption: %v", round, err)
		}
		if n := len(s.Sessions().Resources("alice@localhost")); n != 1 {
			t.Fatalf("round %d: alice has %d sessions, want the new one only", round, n)
		}
		c.Conn.Close()
		waitFor(t, "the new session to end", func() bool { return len(s.Sessions().Resources("alice@localhost")) == 0 })
	}
}

// TestResumptionOfAnotherAccountLeavesTheSession: a resumption that names
// a session it may not take changes nothing; the owner resumes it after.
func TestResumptionOfAnotherAccountLeavesTheSession(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.ResumeTimeout = time.Hour })
	bob, _ := s.login(t, "bob", "b")
	id := enableSM(t, bob)
	bob.Conn.Close()
	waitFor(t, "the server to notice the drop", func() bool { return s.c2s.Len() == 0 })
	_, el := resumeOn(t, s, "alice", id, 0) // alice names bob's session
	if el.Tag != "failed" || el.SelectElement("item-not-found") == nil {
		t.Fatalf("alice resuming bob's session: %s", rawxmpp.Describe(el))
	}
	if _, el := resumeOn(t, s, "bob", id, 0); el.Tag != "resumed" {
		t.Fatalf("bob resuming his session after alice tried: %s", rawxmpp.Describe(el))
	}
}

func TestResumeUnknownSession(t *testing.T) {
	s := start(t, nil)
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream(domain)
	c.StartTLS(domain)
	c.AuthPlain(domain, "alice", "secret")
	c.Expect(rawxmpp.Is("features"))
	c.Send("<resume xmlns='urn:xmpp:sm:3' h='0' previd='nope'/>")
	el, err := c.Expect(rawxmpp.Is("failed"))
	if err != nil || el.SelectElement("item-not-found") == nil {
		t.Fatalf("resuming an unknown session: %s, %v", rawxmpp.Describe(el), err)
	}
	// The client can still bind normally.
	if _, err := c.BindNow("fresh"); err != nil {
		t.Fatal(err)
	}
}

// TestUnacknowledgedMessagesNeverVanish lets a resumable session expire:
// what alice never acknowledged goes back to its sender as an error (with
// no offline storage loaded), not into the void.
func TestUnacknowledgedMessagesNeverVanish(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.ResumeTimeout = 200 * time.Millisecond })
	alice, aliceJID := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	enableSM(t, alice)
	bob.Sendf("<message to='%s' id='lost?' type='chat'><body>hello</body></message>", aliceJID)
	if _, err := alice.Expect(isMessage("lost?")); err != nil {
		t.Fatal(err)
	}
	alice.Conn.Close()
	el, err := bob.Expect(isMessage("lost?"))
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("type", "") != "error" || el.FindElement("error/service-unavailable") == nil {
		t.Fatalf("bob got %s, want his message back with service-unavailable", rawxmpp.Describe(el))
	}
	waitFor(t, "the session to end", func() bool { return len(s.Sessions().Resources("alice@localhost")) == 0 })
}

func TestClientStateIndication(t *testing.T) {
	s := start(t, nil)
	alice, aliceJID := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	alice.Send("<inactive xmlns='urn:xmpp:csi:0'/>")
	// CSI has no answer, and bob's presences come in on another
	// connection: an IQ's error coming back on alice's stream says the
	// server has read what she sent before it.
	alice.Send("<iq type='get' to='alice@localhost/gone' id='after-inactive'><ping xmlns='urn:xmpp:ping'/></iq>")
	if _, err := alice.Expect(rawxmpp.ID("after-inactive")); err != nil {
		t.Fatalf("waiting for the answer to the IQ sent after <inactive/>: %v", err)
	}
	for i := 0; i < 3; i++ {
		bob.Sendf("<presence to='%s' id='p%d'><status>%d</status></presence>", aliceJID, i, i)
	}
	bob.Sendf("<message to='%s' id='now'/>", aliceJID)
	el, err := alice.Next()
	if err != nil {
		t.Fatal(err)
	}
	if el.Tag != "message" {
		t.Fatalf("an inactive client got %s before the message", rawxmpp.Describe(el))
	}
	alice.Send("<active xmlns='urn:xmpp:csi:0'/>")
	el, err = alice.Expect(rawxmpp.Is("presence"))
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("id", "") != "p2" {
		t.Errorf("after becoming active got %s, want only the latest presence p2", rawxmpp.Describe(el))
	}
	alice.Sendf("<message to='%s' id='mark'/>", aliceJID)
	// Next, not Expect, which would skip a second presence.
	el, err = alice.Next()
	if err != nil {
		t.Fatal(err)
	}
	if el.Tag != "message" || el.SelectAttrValue("id", "") != "mark" {
		t.Errorf("more than the latest held presence was delivered: %s", rawxmpp.Describe(el))
	}
}

// TestOwnIQAnswersAreCounted: the answer to a legacy session request sent
// after stream management is on is a stanza like any other: a client that
// acknowledges it is not told it acknowledged more than was sent.
func TestOwnIQAnswersAreCounted(t *testing.T) {
	s := start(t, nil)
	alice, _ := s.login(t, "alice", "a")
	enableSM(t, alice)
	alice.Send("<iq type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
	if _, err := alice.Expect(rawxmpp.ID("sess")); err != nil {
		t.Fatal(err)
	}
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='1'/>")
	alice.Send("<r xmlns='urn:xmpp:sm:3'/>")
	if _, err := alice.Expect(rawxmpp.Is("a")); err != nil {
		t.Fatalf("acknowledging the session answer: %v", err)
	}
}

// TestSharedMessageOwedWhenEverySessionGoes: a message to the bare JID
// reaches both of alice's resources, so neither owes it while the other
// is there; when both end unacknowledged, the last one gives it back
// (here, with no offline storage, to its sender as an error) instead of
// both dropping it.
func TestSharedMessageOwedWhenEverySessionGoes(t *testing.T) {
	s := start(t, nil)
	bob, _ := s.login(t, "bob", "b")
	phone, _ := s.login(t, "alice", "phone")
	desk, _ := s.login(t, "alice", "desk")
	enableSM(t, phone)
	enableSM(t, desk)
	bob.Send("<message to='alice@localhost' type='chat' id='both'><body>hi</body></message>")
	for _, c := range []*rawxmpp.Client{phone, desk} {
		if _, err := c.Expect(isMessage("both")); err != nil {
			t.Fatal(err)
		}
	}
	phone.Send("</stream:stream>")
	waitFor(t, "the phone's session to end", func() bool { return len(s.Sessions().Resources("alice@localhost")) == 1 })
	desk.Send("</stream:stream>")
	el, err := bob.Expect(isMessage("both"))
	if err != nil {
		t.Fatalf("the message the last session never acknowledged did not come back: %v", err)
	}
	if el.SelectAttrValue("type", "") != "error" {
		t.Fatalf("bob got %s, want his message back as an error", rawxmpp.Describe(el))
	}
}
