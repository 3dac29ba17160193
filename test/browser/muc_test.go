package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestConverseJoinsBookmarkedRoomAndChats: alice and bob each have the
// room bookmarked with autojoin — alice's stored in XEP-0048's form
// through private XML storage, as an older client keeps it, bob's as an
// XEP-0402 item. Converse.js reads bookmarks as XEP-0402 items only, so
// both show that the server keeps the two forms as one. Each Converse,
// in a browser context of its own, joins the room from its bookmarks
// alone; alice says something, bob sees it and answers, alice sees that.
func TestConverseJoinsBookmarkedRoomAndChats(t *testing.T) {
	tl := requireTools(t)
	srv := startServer(t, t.TempDir(), "alice@localhost", "bob@localhost")
	page := servePage(t)
	const room = "lounge@conference.localhost"

	// alice makes the room persistent, so that it is there, configured,
	// when the browsers come, and leaves it.
	setup := rawLogin(t, srv, "alice", "setup")
	setup.Sendf("<presence to='%s/setup'><x xmlns='http://jabber.org/protocol/muc'/></presence>", room)
	if _, err := setup.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.FindElement("x/status[@code='110']") != nil
	}); err != nil {
		t.Fatalf("creating %s: %v", room, err)
	}
	rawIQ(t, setup, "<iq type='set' id='cfg' to='%s'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_persistentroom'><value>1</value></field></x></query></iq>", room)
	setup.Sendf("<presence to='%s/setup' type='unavailable'/>", room)
	rawIQ(t, setup, "<iq type='set' id='bm'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'><conference jid='%s' name='Lounge' autojoin='true'><nick>Alice</nick></conference></storage></query></iq>", room)

	bobSetup := rawLogin(t, srv, "bob", "setup")
	rawIQ(t, bobSetup, `<iq type='set' id='bm'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:bookmarks:1'><item id='%s'><conference xmlns='urn:xmpp:bookmarks:1' name='Lounge' autojoin='true'><nick>Bob</nick></conference></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='pubsub#persist_items'><value>true</value></field><field var='pubsub#max_items'><value>max</value></field><field var='pubsub#send_last_published_item'><value>never</value></field><field var='pubsub#access_model'><value>whitelist</value></field></x></publish-options></pubsub></iq>`, room)

	const (
		first  = "Hello lounge, alice here in Converse"
		second = "Hello alice, bob answering in Converse"
	)
	// Generous: two Converse instances in one Chromium on a loaded machine.
	d := startScript(t, tl.node, "drive_muc.mjs", 300*time.Second,
		"CHROMIUM="+tl.chromium,
		"PAGE_URL="+page,
		"WEBSOCKET_URL=wss://"+srv.websocket+"/xmpp-websocket",
		"SPKI="+spkiHash(t, srv.websocket),
		"JIDS=alice@localhost/browser,bob@localhost/browser",
		"PASSWORD=pw",
		"ROOM="+room,
		"FIRST_TEXT="+first,
		"SECOND_TEXT="+second,
	)
	<-d.done
	out := d.output()
	if d.err != nil || !strings.Contains(out, "STEP alice@localhost/browser sees: "+second) {
		t.Fatalf("drive_muc.mjs: %v\n--- drive_muc.mjs:\n%s\n--- server log:\n%s", d.err, out, srv.logText())
	}
	t.Logf("drive_muc.mjs:\n%s", out)
}

// rawLogin logs user in over STARTTLS with our raw client.
func rawLogin(t *testing.T, srv *server, user, resource string) *rawxmpp.Client {
	t.Helper()
	c, _, err := rawxmpp.Login(srv.starttls, "localhost", user, "pw", resource)
	if err != nil {
		t.Fatalf("%s logging in over TCP: %v", user, err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c
}

// rawIQ sends an IQ (format and args, its id 'cfg' or 'bm') and fails the
// test unless the answer is a result.
func rawIQ(t *testing.T, c *rawxmpp.Client, format string, args ...any) {
	t.Helper()
	if err := c.Sendf(format, args...); err != nil {
		t.Fatal(err)
	}
	r, err := c.Expect(func(el *etree.Element) bool {
		return el.Tag == "iq" && (el.SelectAttrValue("type", "") == "result" || el.SelectAttrValue("type", "") == "error")
	})
	if err != nil {
		t.Fatalf("waiting for the answer to %s: %v", format, err)
	}
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("%s: %s", format, rawxmpp.Describe(r))
	}
}
