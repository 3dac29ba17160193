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

// TestUnblockingRestoresPresence: alice and bob, subscribed both ways,
// each with a status. Blocking shows each the other offline; unblocking —
// one JID, then everyone — shows each the other's current presence again
// (XEP-0191 §3.4, §3.5) without either of them sending presence.
func TestUnblockingRestoresPresence(t *testing.T) {
	srv := featureServer(t)
	alice, aliceJID := login(t, srv, "alice", "a")
	bob, bobJID := login(t, srv, "bob", "b")
	befriend(t, alice, bob, "alice@localhost", "bob@localhost")
	alice.Send("<presence><show>dnd</show><status>writing</status></presence>")
	bob.Send("<presence><show>away</show><status>lunch</status></presence>")
	expectAll(t, bob, "alice's status", presenceFrom(aliceJID, "writing"))
	expectAll(t, alice, "bob's status", presenceFrom(bobJID, "lunch"))

	for _, unblock := range []string{
		"<unblock xmlns='urn:xmpp:blocking'><item jid='bob@localhost'/></unblock>",
		"<unblock xmlns='urn:xmpp:blocking'/>", // everyone (§3.5)
	} {
		// The server may send presence before or after the IQ's result.
		alice.Send("<iq type='set' id='blk'><block xmlns='urn:xmpp:blocking'><item jid='bob@localhost'/></block></iq>")
		expectAll(t, alice, "blocking bob", isResult("blk"), unavailableFrom(bobJID))
		expectAll(t, bob, "being blocked", unavailableFrom(aliceJID))

		alice.Sendf("<iq type='set' id='ublk'>%s</iq>", unblock)
		got := expectAll(t, alice, unblock, isResult("ublk"), presenceFrom(bobJID, "lunch"))
		if show := got[1].FindElement("show"); show == nil || show.Text() != "away" {
			t.Errorf("%s: alice got %s, want bob's show away", unblock, rawxmpp.Describe(got[1]))
		}
		got = expectAll(t, bob, "alice's "+unblock, presenceFrom(aliceJID, "writing"))
		if show := got[0].FindElement("show"); show == nil || show.Text() != "dnd" {
			t.Errorf("%s: bob got %s, want alice's show dnd", unblock, rawxmpp.Describe(got[0]))
		}
	}
}

// expectAll reads until each of matches has matched an element, in any
// order, and returns those elements in the order of matches.
func expectAll(t *testing.T, c *rawxmpp.Client, what string, matches ...func(*etree.Element) bool) []*etree.Element {
	t.Helper()
	got := make([]*etree.Element, len(matches))
	for left := len(matches); left > 0; {
		el, err := c.Expect(func(el *etree.Element) bool {
			for i, m := range matches {
				if got[i] == nil && m(el) {
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatalf("%s: %d of %d expected stanzas never came: %v", what, left, len(matches), err)
		}
		for i, m := range matches {
			if got[i] == nil && m(el) {
				got[i] = el
				left--
				break
			}
		}
	}
	return got
}

func isResult(id string) func(*etree.Element) bool {
	return func(el *etree.Element) bool {
		return el.Tag == "iq" && el.SelectAttrValue("id", "") == id && el.SelectAttrValue("type", "") == "result"
	}
}

func unavailableFrom(full string) func(*etree.Element) bool {
	return func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == full && el.SelectAttrValue("type", "") == "unavailable"
	}
}
