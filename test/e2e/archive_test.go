package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestArchiveAndPEP: messages bob received are in his archive (XEP-0313),
// paged as he asks; alice publishes her nickname with PEP (XEP-0163) and
// bob, her contact, hears of it.
func TestArchiveAndPEP(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	bob, bobJID := login(t, srv, "bob", "b")
	for i := 1; i <= 3; i++ {
		alice.Sendf("<message to='%s' type='chat' id='m%d'><body>message %d</body></message>", bobJID, i, i)
	}
	var ids []string
	for i := 1; i <= 3; i++ {
		el, err := bob.Expect(isMsg(fmt.Sprintf("m%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		sid := el.SelectElement("stanza-id")
		if sid == nil || sid.SelectAttrValue("by", "") != "bob@localhost" {
			t.Fatalf("delivered without the archive's stanza-id: %s", rawxmpp.Describe(el))
		}
		ids = append(ids, sid.SelectAttrValue("id", ""))
	}

	// The archive is fed behind delivery, but a query waits for what was
	// delivered before it: one query finds all three.
	var results []*etree.Element
	bob.Send("<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2' queryid='f'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set></query></iq>")
	for {
		el, err := bob.Next()
		if err != nil {
			t.Fatal(err)
		}
		if r := el.FindElement("result"); el.Tag == "message" && r != nil {
			results = append(results, el)
			continue
		}
		if el.SelectAttrValue("id", "") == "q" {
			fin := el.FindElement("fin")
			if len(results) != 2 || fin == nil || fin.SelectAttrValue("complete", "") == "true" {
				t.Fatalf("first page: %d results, then %s; want 2 and an incomplete page", len(results), rawxmpp.Describe(el))
			}
			// First page of two: fetch the rest after the last id.
			last := el.FindElement("fin/set/last").Text()
			bob.Sendf("<iq type='set' id='q2'><query xmlns='urn:xmpp:mam:2' queryid='g'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>%s</after></set></query></iq>", last)
			continue
		}
		if el.SelectAttrValue("id", "") == "q2" {
			break
		}
	}
	if len(results) != 3 {
		t.Fatalf("archive returned %d messages, want 3", len(results))
	}
	for i, r := range results {
		if got := r.FindElement("result").SelectAttrValue("id", ""); got != ids[i] {
			t.Errorf("result %d has id %s, want %s (the stanza-id bob saw)", i, got, ids[i])
		}
		if b := r.FindElement("result/forwarded/message/body"); b == nil || b.Text() != fmt.Sprintf("message %d", i+1) {
			t.Errorf("result %d: %s", i, rawxmpp.Describe(r))
		}
	}

	// PEP: a contact who asked for nick notifications gets alice's nickname.
	befriend(t, alice, bob, "alice@localhost", "bob@localhost")
	r := iq(t, alice, "nick", "<iq type='set' id='nick'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='http://jabber.org/protocol/nick'><item><nick xmlns='http://jabber.org/protocol/nick'>Ali</nick></item></publish></pubsub></iq>")
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("publishing the nickname: %s", rawxmpp.Describe(r))
	}
	r = iq(t, bob, "get", "<iq type='get' id='get' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='http://jabber.org/protocol/nick'/></pubsub></iq>")
	if n := r.FindElement("pubsub/items/item/nick"); n == nil || n.Text() != "Ali" {
		t.Errorf("bob reading alice's nickname: %s", rawxmpp.Describe(r))
	}
}

// archiveIDs runs one archive query and returns the result ids, with the
// bodies of the archived messages.
func archiveIDs(t *testing.T, c *rawxmpp.Client, id, query string) (ids, bodies []string) {
	t.Helper()
	c.Sendf("<iq type='set' id='%s'><query xmlns='urn:xmpp:mam:2' queryid='%s'>%s</query></iq>", id, id, query)
	for {
		el, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		if r := el.FindElement("result"); el.Tag == "message" && r != nil {
			ids = append(ids, r.SelectAttrValue("id", ""))
			if b := r.FindElement("forwarded/message/body"); b != nil {
				bodies = append(bodies, b.Text())
			}
			continue
		}
		if el.SelectAttrValue("id", "") == id {
			if el.SelectAttrValue("type", "") != "result" {
				t.Fatalf("archive query: %s", rawxmpp.Describe(el))
			}
			return ids, bodies
		}
	}
}

// TestArchiveQueryRightAfterDelivery: a client that queries its archive
// the moment a message arrives finds it there, under the stanza-id it was
// delivered with. Before, the archive was fed in batches every 20 ms that
// nothing waited for, and such a query came back without the message.
func TestArchiveQueryRightAfterDelivery(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	bob, bobJID := login(t, srv, "bob", "b")
	for i := 0; i < 5; i++ {
		alice.Sendf("<message to='%s' type='chat' id='now%d'><body>now %d</body></message>", bobJID, i, i)
		el, err := bob.Expect(isMsg(fmt.Sprintf("now%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		want := stanzaIDOf(el, "bob@localhost")
		ids, _ := archiveIDs(t, bob, fmt.Sprintf("q%d", i), "<set xmlns='http://jabber.org/protocol/rsm'><max>1</max><before/></set>")
		if len(ids) != 1 || ids[0] != want {
			t.Fatalf("query %d right after delivery returned %q, want the message just delivered, %q", i, ids, want)
		}
	}
}

// TestNoteToSelfArchivedTwice: a message to one's own bare JID is kept as
// sent and as received, as Prosody and ejabberd keep it, and the received
// copy is under the stanza-id the delivery carried.
func TestNoteToSelfArchivedTwice(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	alice.Send("<message to='alice@localhost' type='chat' id='self'><body>remember the milk</body></message>")
	el, err := alice.Expect(isMsg("self"))
	if err != nil {
		t.Fatal(err)
	}
	delivered := stanzaIDOf(el, "alice@localhost")
	ids, bodies := archiveIDs(t, alice, "q", "")
	if len(ids) != 2 || !slices.Contains(ids, delivered) || !slices.Equal(bodies, []string{"remember the milk", "remember the milk"}) {
		t.Fatalf("archive holds %q with bodies %q, want the note twice, one under the delivered id %q", ids, bodies, delivered)
	}
}

// TestOfflineMessageCarriesItsArchiveID: a message kept offline reaches
// the next login with the stanza-id its recipient's archive keeps it
// under, so a client that also syncs the archive sees one message, not
// two (Gajim showed every offline message twice).
func TestOfflineMessageCarriesItsArchiveID(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	alice.Send("<message to='bob@localhost' type='chat' id='away'><body>while you were away</body></message>")
	iq(t, alice, "sync", "<iq type='get' to='localhost' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
	bob, _ := login(t, srv, "bob", "b")
	el, err := bob.Expect(isMsg("away"))
	if err != nil {
		t.Fatal(err)
	}
	got := stanzaIDOf(el, "bob@localhost")
	ids, _ := archiveIDs(t, bob, "q", "")
	if got == "" || !slices.Equal(ids, []string{got}) {
		t.Fatalf("offline copy has stanza-id %q, bob's archive %q; want the same one id", got, ids)
	}
}
