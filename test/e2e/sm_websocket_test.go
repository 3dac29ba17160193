package e2e

import (
	"fmt"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// Stream management resumption (XEP-0198 §5) across transports: a session
// is a session, whichever socket carried it. A client on a WebSocket (RFC
// 7395) that loses its connection resumes over a new WebSocket, or over
// TCP, and the reverse, and gets what it had not acknowledged exactly once.

// smWire is one client connection as these tests drive it, over either
// transport.
type smWire interface {
	send(format string, args ...any)
	next() (*etree.Element, error)
	// drop ends the connection as a network failure does: no closing
	// element, no closing handshake.
	drop()
}

type tcpWire struct {
	t *testing.T
	c *rawxmpp.Client
}

func (w tcpWire) send(format string, args ...any) {
	w.t.Helper()
	if err := w.c.Sendf(format, args...); err != nil {
		w.t.Fatalf("TCP write: %v", err)
	}
}
func (w tcpWire) next() (*etree.Element, error) { return w.c.Next() }
func (w tcpWire) drop()                         { w.c.Conn.Close() }

func (w *wsClient) drop() { w.c.CloseNow() }

// bindOver logs user in on a new connection of the transport and binds
// resource.
func bindOver(t *testing.T, srv *server, wsAddr, transport, user, resource string) smWire {
	t.Helper()
	if transport == "websocket" {
		w := dialWS(t, wsAddr)
		w.login(user, resource)
		return w
	}
	c, _ := login(t, srv, user, resource)
	return tcpWire{t: t, c: c}
}

// authenticateOver opens an authenticated stream for user on a new
// connection of the transport, ready to resume.
func authenticateOver(t *testing.T, srv *server, wsAddr, transport, user string) smWire {
	t.Helper()
	if transport == "websocket" {
		w := dialWS(t, wsAddr)
		w.authenticate(user)
		return w
	}
	c, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	for _, step := range []func() error{
		func() error { return c.OpenStream("localhost") },
		func() error { return c.StartTLS("localhost") },
		func() error { return c.AuthPlain("localhost", user, "pw") },
		func() error { _, err := c.Expect(rawxmpp.Is("features")); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return tcpWire{t: t, c: c}
}

// nextStanza reads up to the next stanza, skipping requests for
// acknowledgement, and counts it in handled.
func nextStanza(t *testing.T, w smWire, handled *int) *etree.Element {
	t.Helper()
	for {
		el, err := w.next()
		if err != nil {
			t.Fatal(err)
		}
		switch el.Tag {
		case "r", "a":
			continue
		case "message", "presence", "iq":
			*handled++
		}
		return el
	}
}

// messageIDs reads stanzas until the message with id last and returns the
// ids of every message on the way, last included.
func messageIDs(t *testing.T, w smWire, handled *int, last string) []string {
	t.Helper()
	var ids []string
	for {
		el := nextStanza(t, w, handled)
		if el.Tag != "message" {
			continue
		}
		if _, ws := w.(*wsClient); ws && el.NamespaceURI() != "jabber:client" {
			t.Errorf("over WebSocket a message does not stand alone (RFC 7395 §3.3.3): %s", rawxmpp.Describe(el))
		}
		ids = append(ids, el.SelectAttrValue("id", ""))
		if ids[len(ids)-1] == last {
			return ids
		}
	}
}

// TestResumptionAcrossTransports: alice enables resumable stream
// management, sends bob one message, gets three and acknowledges the
// first; her connection breaks; bob sends a fourth while she is away. On a
// new connection she resumes with h=1: the server answers with h=1 (the
// one stanza it had from her), sends the second, third and fourth messages
// once each and in order, and the session goes on under the same full JID.
func TestResumptionAcrossTransports(t *testing.T) {
	srv := featureServer(t)
	wsAddr := srv.waitLog("listening for WebSocket clients")["addr"].(string)
	bob, bobJID := login(t, srv, "bob", "b")
	for _, tc := range []struct{ from, to string }{
		{"websocket", "websocket"},
		{"websocket", "tcp"},
		{"tcp", "websocket"},
	} {
		t.Run(tc.from+" to "+tc.to, func(t *testing.T) {
			resource := tc.from + "-" + tc.to
			full := "alice@localhost/" + resource
			alice := bindOver(t, srv, wsAddr, tc.from, "alice", resource)
			alice.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
			// Over TCP, login sent initial presence, which may come back
			// before or after <enabled/>; only what follows it counts.
			enabled := nextStanza(t, alice, new(int))
			for enabled.Tag == "presence" {
				enabled = nextStanza(t, alice, new(int))
			}
			handled := 0
			previd := enabled.SelectAttrValue("id", "")
			if enabled.Tag != "enabled" || enabled.SelectAttrValue("resume", "") != "true" || previd == "" {
				t.Fatalf("enabling resumption: %s", rawxmpp.Describe(enabled))
			}
			alice.send("<message to='%s' type='chat' id='out-%s'><body>before</body></message>", bobJID, resource)
			if _, err := bob.Expect(isMsg("out-" + resource)); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 3; i++ {
				bob.Sendf("<message to='%s' type='chat' id='%s-m%d'><body>%d</body></message>", full, resource, i, i)
			}
			if ids := messageIDs(t, alice, &handled, resource+"-m1"); len(ids) != 1 {
				t.Fatalf("before m1 alice got %q", ids)
			}
			acked := handled
			messageIDs(t, alice, &handled, resource+"-m3")
			// The acknowledgement of m1 only, and a request whose answer
			// shows the server has read it before the connection breaks.
			alice.send("<a xmlns='urn:xmpp:sm:3' h='%d'/>", acked)
			alice.send("<r xmlns='urn:xmpp:sm:3'/>")
			for el, err := alice.next(); el == nil || el.Tag != "a"; el, err = alice.next() {
				if err != nil {
					t.Fatal(err)
				}
			}
			mark := srv.logMark()
			alice.drop()
			srv.waitLogFrom(mark, full+" waiting to be resumed", func(line map[string]any) bool {
				return line["@message"] == "connection lost; the session waits for the client to resume" && line["jid"] == full
			})
			bob.Sendf("<message to='%s' type='chat' id='%s-m4'><body>4</body></message>", full, resource)
			ping(t, bob, "sync-"+resource)

			alice = authenticateOver(t, srv, wsAddr, tc.to, "alice")
			alice.send("<resume xmlns='urn:xmpp:sm:3' previd='%s' h='%d'/>", previd, acked)
			resumed := nextStanza(t, alice, &handled)
			if resumed.Tag != "resumed" || resumed.SelectAttrValue("previd", "") != previd || resumed.SelectAttrValue("h", "") != "1" {
				t.Fatalf("resuming: %s, want <resumed previd='%s' h='1'/>", rawxmpp.Describe(resumed), previd)
			}
			bob.Sendf("<message to='%s' type='chat' id='%s-m5'><body>5</body></message>", full, resource)
			got := messageIDs(t, alice, &handled, resource+"-m5")
			want := []string{resource + "-m2", resource + "-m3", resource + "-m4", resource + "-m5"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after resuming alice got %q, want %q", got, want)
			}
			alice.send("<message to='%s' type='chat' id='back-%s'><body>after</body></message>", bobJID, resource)
			back, err := bob.Expect(isMsg("back-" + resource))
			if err != nil {
				t.Fatal(err)
			}
			if from := back.SelectAttrValue("from", ""); from != full {
				t.Errorf("after resuming alice's message came from %q, want %q", from, full)
			}
		})
	}
}
