package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// Stream management (XEP-0198) as users meet it: a client's session ends,
// cleanly, with stanzas it had not acknowledged. Nothing it already had may
// come to the account a second time: not at another resource, not from
// offline storage at the next login, and no IQ is answered twice.

// smClient is a rawxmpp client with stream management on, counting the
// stanzas it has handled.
type smClient struct {
	*rawxmpp.Client
	handled int
}

func enableSM(t *testing.T, c *rawxmpp.Client) *smClient {
	t.Helper()
	c.Send("<enable xmlns='urn:xmpp:sm:3'/>")
	if _, err := c.Expect(rawxmpp.Is("enabled")); err != nil {
		t.Fatal(err)
	}
	return &smClient{Client: c}
}

// next reads the next stanza, counting it; a request for an
// acknowledgement is answered when answer is set and ignored otherwise.
func (c *smClient) next(t *testing.T, answer bool) *etree.Element {
	t.Helper()
	for {
		el, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch el.Tag {
		case "r":
			if answer {
				c.Sendf("<a xmlns='urn:xmpp:sm:3' h='%d'/>", c.handled)
			}
			continue
		case "message", "presence", "iq":
			c.handled++
		}
		return el
	}
}

// closeCleanly ends the stream as a client that is done does.
func closeCleanly(t *testing.T, srv *server, c *rawxmpp.Client, full string) {
	t.Helper()
	mark := srv.logMark()
	c.Send("</stream:stream>")
	srv.waitLogFrom(mark, "the end of "+full+"'s session", func(line map[string]any) bool {
		return line["@message"] == "session ended" && line["jid"] == full
	})
}

// sendOffline sends alice a message while she is away, and waits for the
// answer to a ping to her bare JID after it: stanzas to the same entity
// are processed in order (RFC 6120 §10.1), so the server has stored the
// message by then.
func sendOffline(t *testing.T, bob *rawxmpp.Client, id string) {
	t.Helper()
	bob.Sendf("<message to='alice@localhost' type='chat' id='%s'><body>while away</body></message>", id)
	iq(t, bob, "sync-"+id, "<iq type='get' to='alice@localhost' id='sync-%s'><ping xmlns='urn:xmpp:ping'/></iq>", id)
}

// offlineUntil logs alice in again, returns the ids of the messages that
// come before the message with id last, and logs her out.
func offlineUntil(t *testing.T, srv *server, resource, last string) []string {
	t.Helper()
	c, full := login(t, srv, "alice", resource)
	defer closeCleanly(t, srv, c, full)
	var ids []string
	for {
		el, err := c.Expect(rawxmpp.Is("message"))
		if err != nil {
			t.Fatal(err)
		}
		if id := el.SelectAttrValue("id", ""); id != last {
			ids = append(ids, id)
			continue
		}
		return ids
	}
}

// TestAnsweredAcknowledgementsLeaveNothingBehind: the server asks for
// acknowledgements as stanzas go out, so a client that answers them and
// then closes its stream has nothing the server would store offline again.
// Before, the server asked after every tenth stanza only, and the three
// messages here came back from offline storage at the next login.
func TestAnsweredAcknowledgementsLeaveNothingBehind(t *testing.T) {
	srv := featureServer(t)
	bob, _ := login(t, srv, "bob", "b")
	raw, phoneJID := login(t, srv, "alice", "phone")
	phone := enableSM(t, raw)
	for i := 0; i < 3; i++ {
		bob.Sendf("<message to='alice@localhost' type='chat' id='m%d'><body>%d</body></message>", i, i)
	}
	for got := 0; got < 3; {
		if el := phone.next(t, true); el.Tag == "message" {
			got++
		}
	}
	// The client answers the request that follows the last message.
	for {
		el, err := phone.Next()
		if err != nil {
			t.Fatal(err)
		}
		if el.Tag == "r" {
			phone.Sendf("<a xmlns='urn:xmpp:sm:3' h='%d'/>", phone.handled)
			break
		}
	}
	closeCleanly(t, srv, phone.Client, phoneJID)
	sendOffline(t, bob, "last")
	if again := offlineUntil(t, srv, "laptop", "last"); len(again) > 0 {
		t.Errorf("the next login got %q again from offline storage", again)
	}
}

// TestUnacknowledgedButDeliveredElsewhere: the phone never acknowledges,
// but what it got also reached the desk live (a message to the bare JID,
// a carbon of one to the phone), and it answered bob's IQ: when it closes,
// the desk sees nothing twice and bob gets one answer.
func TestUnacknowledgedButDeliveredElsewhere(t *testing.T) {
	srv := featureServer(t)
	bob, _ := login(t, srv, "bob", "b")
	raw, phoneJID := login(t, srv, "alice", "phone")
	phone := enableSM(t, raw)
	desk, deskJID := login(t, srv, "alice", "desk")
	if r := iq(t, desk, "c", "<iq type='set' id='c'><enable xmlns='urn:xmpp:carbons:2'/></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("enabling carbons: %s", rawxmpp.Describe(r))
	}
	bob.Send("<message to='alice@localhost' type='chat' id='bare'><body>to both</body></message>")
	bob.Sendf("<message to='%s' type='chat' id='full'><body>to the phone</body></message>", phoneJID)
	bob.Sendf("<iq to='%s' type='get' id='ver'><query xmlns='jabber:iq:version'/></iq>", phoneJID)
	for seen := map[string]bool{}; !seen["bare"] || !seen["full"] || !seen["ver"]; {
		el := phone.next(t, false)
		seen[el.SelectAttrValue("id", "")] = true
		if el.Tag == "iq" && el.SelectAttrValue("id", "") == "ver" {
			phone.Sendf("<iq to='%s' type='result' id='ver'><query xmlns='jabber:iq:version'><name>phone</name></query></iq>", el.SelectAttrValue("from", ""))
		}
	}
	if el, err := bob.Expect(rawxmpp.ID("ver")); err != nil || el.SelectAttrValue("type", "") != "result" {
		t.Fatalf("bob's version query: %s, %v", rawxmpp.Describe(el), err)
	}
	closeCleanly(t, srv, phone.Client, phoneJID)

	bob.Sendf("<message to='%s' type='chat' id='mark'><body>after</body></message>", deskJID)
	bob.Sendf("<iq to='localhost' type='get' id='bobmark'><ping xmlns='urn:xmpp:ping'/></iq>")
	counts := map[string]int{}
	for {
		el, err := desk.Next()
		if err != nil {
			t.Fatal(err)
		}
		id := el.SelectAttrValue("id", "")
		if fwd := el.FindElement("received/forwarded/message"); fwd != nil {
			id = "carbon of " + fwd.SelectAttrValue("id", "")
		}
		if id == "mark" {
			break
		}
		if el.Tag == "message" {
			counts[id]++
		}
	}
	want := map[string]int{"bare": 1, "carbon of full": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("the desk got %v, want each once: %v", counts, want)
	}
	for {
		el, err := bob.Next()
		if err != nil {
			t.Fatal(err)
		}
		if el.SelectAttrValue("id", "") == "bobmark" {
			break
		}
		if el.SelectAttrValue("id", "") == "ver" {
			t.Errorf("bob's IQ was answered a second time: %s", rawxmpp.Describe(el))
		}
	}
}

// TestUnacknowledgedButInTheArchive: a client that reads its archive
// finds there what it did not acknowledge; offline storage does not hand
// it over a second time.
func TestUnacknowledgedButInTheArchive(t *testing.T) {
	srv := featureServer(t)
	bob, _ := login(t, srv, "bob", "b")
	raw, phoneJID := login(t, srv, "alice", "phone")
	phone := enableSM(t, raw)
	phone.Send("<iq type='set' id='sync'><query xmlns='urn:xmpp:mam:2'/></iq>")
	for el := phone.next(t, true); el.SelectAttrValue("id", "") != "sync"; el = phone.next(t, true) {
	}
	for i := 0; i < 3; i++ {
		bob.Sendf("<message to='alice@localhost' type='chat' id='m%d'><body>%d</body></message>", i, i)
	}
	for got := 0; got < 3; {
		if el := phone.next(t, false); el.Tag == "message" {
			got++
		}
	}
	closeCleanly(t, srv, phone.Client, phoneJID)
	sendOffline(t, bob, "last")
	if again := offlineUntil(t, srv, "laptop", "last"); len(again) > 0 {
		t.Errorf("the next login got %q again from offline storage", again)
	}
	// Without the archive the same messages are not lost: they wait offline.
	raw, phoneJID = login(t, srv, "alice", "phone")
	phone = enableSM(t, raw)
	bob.Send("<message to='alice@localhost' type='chat' id='kept'><body>kept</body></message>")
	for el := phone.next(t, false); el.SelectAttrValue("id", "") != "kept"; el = phone.next(t, false) {
	}
	closeCleanly(t, srv, phone.Client, phoneJID)
	sendOffline(t, bob, "last2")
	if got := offlineUntil(t, srv, "tablet", "last2"); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("the next login got %q before last2, want the unacknowledged [kept]", got)
	}
}
