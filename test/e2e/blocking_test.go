package e2e

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// befriend makes a and b subscribe to each other (subscription both).
func befriend(t *testing.T, a, b *rawxmpp.Client, aBare, bBare string) {
	t.Helper()
	isSub := func(from, typ string) func(*etree.Element) bool {
		return func(el *etree.Element) bool {
			return el.Tag == "presence" && el.SelectAttrValue("type", "") == typ && el.SelectAttrValue("from", "") == from
		}
	}
	a.Sendf("<presence to='%s' type='subscribe'/>", bBare)
	if _, err := b.Expect(isSub(aBare, "subscribe")); err != nil {
		t.Fatal(err)
	}
	b.Sendf("<presence to='%s' type='subscribed'/>", aBare)
	b.Sendf("<presence to='%s' type='subscribe'/>", aBare)
	if _, err := a.Expect(isSub(bBare, "subscribe")); err != nil {
		t.Fatal(err)
	}
	a.Sendf("<presence to='%s' type='subscribed'/>", bBare)
	waitRoster(t, a, bBare, "both")
}

// TestBlockingStopsMessagesAndPresence: alice blocks bob (XEP-0191); bob's
// messages bounce, his presence no longer reaches alice and hers no longer
// reaches him; unblocking restores both.
func TestBlockingStopsMessagesAndPresence(t *testing.T) {
	srv := featureServer(t)
	alice, aliceJID := login(t, srv, "alice", "a")
	bob, bobJID := login(t, srv, "bob", "b")
	befriend(t, alice, bob, "alice@localhost", "bob@localhost")

	r := iq(t, alice, "blk", "<iq type='set' id='blk'><block xmlns='urn:xmpp:blocking'><item jid='bob@localhost'/></block></iq>")
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("block: %s", rawxmpp.Describe(r))
	}
	// Bob is told alice went away (XEP-0191 §3.3.1)...
	if _, err := bob.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == aliceJID && el.SelectAttrValue("type", "") == "unavailable"
	}); err != nil {
		t.Fatalf("bob never saw alice go unavailable: %v", err)
	}
	// ...his messages bounce and never reach her...
	bob.Sendf("<message to='%s' type='chat' id='b1'><body>hello?</body></message>", aliceJID)
	if el := expectError(t, bob, "b1"); el != "service-unavailable" {
		t.Errorf("bob's message to alice: %s, want service-unavailable", el)
	}
	// ...and hers to him are refused as XEP-0191 says.
	alice.Sendf("<message to='%s' type='chat' id='a1'><body>hi</body></message>", bobJID)
	if el := expectError(t, alice, "a1"); el != "not-acceptable" {
		t.Errorf("alice writing to whom she blocked: %s, want not-acceptable", el)
	}
	// Bob's presence updates do not reach alice.
	bob.Send("<presence><show>away</show></presence>")
	alice.Send("<iq type='get' to='localhost' id='mark'><ping xmlns='urn:xmpp:ping'/></iq>")
	for {
		el, err := alice.Next()
		if err != nil {
			t.Fatal(err)
		}
		if el.Tag == "presence" && el.SelectAttrValue("from", "") == bobJID {
			t.Fatalf("a blocked contact's presence reached alice: %s", rawxmpp.Describe(el))
		}
		if el.SelectAttrValue("id", "") == "mark" {
			break
		}
	}

	iq(t, alice, "ublk", "<iq type='set' id='ublk'><unblock xmlns='urn:xmpp:blocking'><item jid='bob@localhost'/></unblock></iq>")
	bob.Sendf("<message to='%s' type='chat' id='b2'><body>better?</body></message>", aliceJID)
	if _, err := alice.Expect(isMsg("b2")); err != nil {
		t.Fatalf("after unblocking, bob's message: %v", err)
	}
}

func expectError(t *testing.T, c *rawxmpp.Client, id string) string {
	t.Helper()
	el, err := c.Expect(rawxmpp.ID(id))
	if err != nil {
		t.Fatal(err)
	}
	if e := el.SelectElement("error"); el.SelectAttrValue("type", "") == "error" && e != nil && len(e.ChildElements()) > 0 {
		return e.ChildElements()[0].Tag
	}
	return rawxmpp.Describe(el)
}
