package e2e

import (
	"fmt"
	"testing"
	"time"

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

	// The archive is fed asynchronously; ask until all three are there.
	var results []*etree.Element
	deadline := time.Now().Add(20 * time.Second)
	for attempt := 0; len(results) < 3 && time.Now().Before(deadline); attempt++ {
		if attempt > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		results = results[:0]
		bob.Sendf("<iq type='set' id='q%d'><query xmlns='urn:xmpp:mam:2' queryid='f%d'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set></query></iq>", attempt, attempt)
		for {
			el, err := bob.Next()
			if err != nil {
				t.Fatal(err)
			}
			if r := el.FindElement("result"); el.Tag == "message" && r != nil {
				results = append(results, el)
				continue
			}
			if el.SelectAttrValue("id", "") == fmt.Sprintf("q%d", attempt) {
				if len(results) == 2 && el.FindElement("fin") != nil && el.FindElement("fin").SelectAttrValue("complete", "") != "true" {
					// First page of two: fetch the rest after the last id.
					last := el.FindElement("fin/set/last").Text()
					bob.Sendf("<iq type='set' id='q%d-2'><query xmlns='urn:xmpp:mam:2' queryid='g%d'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>%s</after></set></query></iq>", attempt, attempt, last)
					continue
				}
				break
			}
			if el.SelectAttrValue("id", "") == fmt.Sprintf("q%d-2", attempt) {
				break
			}
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
