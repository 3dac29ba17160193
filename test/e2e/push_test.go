package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestPush: a second local account plays the app server (federation is
// not there yet). Alice enables push to it and goes away; messages stored
// for her reach the app server as XEP-0357 summaries from her bare JID:
// none for a message she received online, one for a burst, and the count
// starts again once she has been back.
func TestPush(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(cfg, []byte("plugins:\n  push:\n    config:\n      include_body: true\n      min_interval: 1h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "romeo", "pushapp"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	app, appJID := login(t, srv, "pushapp", "app")
	romeo, _ := login(t, srv, "romeo", "r")
	alice, aliceJID := login(t, srv, "alice", "phone")

	info := iq(t, alice, "info", "<iq type='get' id='info' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if info.FindElement("query/feature[@var='urn:xmpp:push:0']") == nil {
		t.Errorf("the account's disco#info lacks urn:xmpp:push:0: %s", rawxmpp.Describe(info))
	}
	r := iq(t, alice, "en", "<iq type='set' id='en'><enable xmlns='urn:xmpp:push:0' jid='%s' node='n1'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='secret'><value>s3</value></field></x></enable></iq>", appJID)
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("enable: %s", rawxmpp.Describe(r))
	}
	// Online, she gets the message; nothing is stored, nobody is woken.
	romeo.Send("<message type='chat' to='alice@localhost' id='m1'><body>m1</body></message>")
	if _, err := alice.Expect(isMsg("m1")); err != nil {
		t.Fatal(err)
	}
	closeCleanly(t, srv, alice, aliceJID)

	// expectPush waits for the app server's next notification, answers
	// it, and returns its count and body.
	expectPush := func() (count, body string) {
		t.Helper()
		el, err := app.Expect(func(el *etree.Element) bool { return el.Tag == "iq" && el.SelectAttrValue("type", "") == "set" })
		if err != nil {
			t.Fatalf("waiting for a notification: %v", err)
		}
		app.Sendf("<iq type='result' id='%s' to='%s'/>", el.SelectAttrValue("id", ""), el.SelectAttrValue("from", ""))
		if el.SelectAttrValue("from", "") != "alice@localhost" || el.FindElement("pubsub/publish[@node='n1']/item/notification") == nil ||
			el.FindElement("pubsub/publish-options/x/field[@var='secret']") == nil {
			t.Fatalf("notification: %s", rawxmpp.Describe(el))
		}
		field := func(name string) string {
			if v := el.FindElement(fmt.Sprintf("pubsub/publish/item/notification/x/field[@var='%s']/value", name)); v != nil {
				return v.Text()
			}
			return ""
		}
		if field("FORM_TYPE") != "urn:xmpp:push:summary" || field("last-message-sender") == "" {
			t.Errorf("notification form: %s", rawxmpp.Describe(el))
		}
		return field("message-count"), field("last-message-body")
	}
	for _, id := range []string{"m2", "m3", "m4"} {
		romeo.Sendf("<message type='chat' to='alice@localhost' id='%s'><body>%s</body></message>", id, id)
	}
	// Answered only once m2..m4 are stored: a request to the same JID
	// waits for the messages before it. Without it m4 could still be on
	// its way to storage when alice comes back, and be a new burst's.
	iq(t, romeo, "sync", "<iq type='get' to='alice@localhost' id='sync'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	// Had m1 woken anyone, this would be m1's.
	if count, body := expectPush(); count != "1" || body != "m2" {
		t.Fatalf("first notification: count %s body %q, want 1 and m2", count, body)
	}

	// She comes back (and gets m2..m4), goes again; the next message is
	// the first of a new burst. Had m3 or m4 woken anyone, this would be
	// theirs.
	alice, aliceJID = login(t, srv, "alice", "phone")
	alice.Send("<presence/>")
	if _, err := alice.Expect(isMsg("m4")); err != nil {
		t.Fatal(err)
	}
	closeCleanly(t, srv, alice, aliceJID)
	romeo.Send("<message type='chat' to='alice@localhost' id='m5'><body>m5</body></message>")
	if count, body := expectPush(); count != "1" || body != "m5" {
		t.Fatalf("after she was back: count %s body %q, want 1 and m5", count, body)
	}
}
