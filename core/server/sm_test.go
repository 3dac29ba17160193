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

func TestStreamManagementCountsAndRequests(t *testing.T) {
	s := start(t, nil)
	alice, aliceJID := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
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
	// After ten stanzas to alice the server asks her to acknowledge.
	for i := 0; i < 10; i++ {
		bob.Sendf("<message to='%s' id='to-a%d'/>", aliceJID, i)
	}
	if _, err := alice.Expect(rawxmpp.Is("r")); err != nil {
		t.Fatalf("no acknowledgement request after ten stanzas: %v", err)
	}
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='10'/>")
	alice.Send("<a xmlns='urn:xmpp:sm:3' h='99'/>")
	expectStreamError(t, alice, "undefined-condition")
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
