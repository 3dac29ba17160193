package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestConverseChatsWithTCPClient is a browser user and a desktop user
// talking: Converse.js logs alice in over wss://…/xmpp-websocket and sends
// bob a message typed into its chat view; bob, on STARTTLS with our raw
// client, reads it and answers; the answer must show in alice's chat view.
func TestConverseChatsWithTCPClient(t *testing.T) {
	converseChats(t, "WEBSOCKET_URL", "wss://%s/xmpp-websocket", "WebSocket")
}

// TestConverseOverBOSHChatsWithTCPClient is the same over BOSH
// (XEP-0206): Converse is given only https://…/http-bind, and drive.mjs
// fails the run if a WebSocket opens.
func TestConverseOverBOSHChatsWithTCPClient(t *testing.T) {
	converseChats(t, "BOSH_URL", "https://%s/http-bind", "BOSH")
}

// converseChats runs the chat over the transport whose URL (a format for
// the listener's address) drive.mjs gets in the variable urlVar.
func converseChats(t *testing.T, urlVar, urlFormat, transport string) {
	tl := requireTools(t)
	srv := startServer(t, t.TempDir(), "alice@localhost", "bob@localhost")
	page := servePage(t)

	bob, bobJID, err := rawxmpp.Login(srv.starttls, "localhost", "bob", "pw", "desktop")
	if err != nil {
		t.Fatalf("bob logging in over TCP: %v", err)
	}
	t.Cleanup(func() { bob.Conn.Close() })

	const aliceJID = "alice@localhost/browser"
	hello := "Hello from Converse over " + transport
	reply := "Hello back from TCP to " + transport
	// Generous: under `go test ./...` Chromium alone may take half a
	// minute to start.
	d := startDriver(t, tl.node, 120*time.Second,
		"CHROMIUM="+tl.chromium,
		"PAGE_URL="+page,
		urlVar+"="+fmt.Sprintf(urlFormat, srv.websocket),
		"SPKI="+spkiHash(t, srv.websocket),
		"JID="+aliceJID,
		"PASSWORD=pw",
		"PEER=bob@localhost",
		"SEND_TEXT="+hello,
		"EXPECT_TEXT="+reply,
	)
	// If the script gives up, stop waiting for its message at once.
	go func() {
		<-d.done
		bob.Conn.Close()
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\n--- drive.mjs:\n%s\n--- server log:\n%s", append(args, d.output(), srv.logText())...)
	}

	// Chromium's start and Converse's login take a few seconds; each read
	// may wait this long.
	bob.Timeout = 45 * time.Second
	msg, err := bob.Expect(func(el *etree.Element) bool {
		return el.Tag == "message" && el.FindElement("body") != nil
	})
	if err != nil {
		select {
		case <-d.done:
			fail("drive.mjs ended (%v) before bob got a message", d.err)
		default:
			fail("bob waiting for the browser's message: %v", err)
		}
	}
	if from, body := msg.SelectAttrValue("from", ""), msg.FindElement("body").Text(); from != aliceJID || body != hello {
		fail("bob got from=%q body=%q, want from=%q body=%q: %s", from, body, aliceJID, hello, rawxmpp.Describe(msg))
	}
	if typ := msg.SelectAttrValue("type", ""); typ != "chat" {
		t.Errorf("the browser's message has type %q, want chat", typ)
	}
	bob.Timeout = 5 * time.Second
	if err := bob.Sendf("<message to='%s' from='%s' type='chat' id='reply1'><body>%s</body></message>", aliceJID, bobJID, reply); err != nil {
		fail("bob replying: %v", err)
	}

	<-d.done
	if d.err != nil {
		fail("drive.mjs: %v", d.err)
	}
	out := d.output()
	if !strings.Contains(out, "STEP reply shown in the chat view: "+reply) {
		fail("drive.mjs exited 0 without showing the reply")
	}
	t.Logf("drive.mjs:\n%s", out)
}
