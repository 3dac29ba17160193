package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// Push (XEP-0357) for a phone whose connection broke and whose session
// waits to be resumed (XEP-0198): what Conversations does when Android
// puts it to sleep. The app server is an external component (XEP-0114)
// that records what it receives.

// pushServer runs the server with push.localhost as a component and the
// given limits.resume_timeout, and returns it with the component's
// address. alice and romeo have password pw (rawxmpp's login), sally
// pw-sally (slixmppLogin's).
func pushServer(t *testing.T, resumeTimeout string) (*server, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	body := "listen:\n  component: 127.0.0.1:0\ncomponents:\n  push:\n    domain: push.localhost\n    secret: s3cret\n" +
		"limits:\n  resume_timeout: " + resumeTimeout + "\n" +
		"plugins:\n  push:\n    config:\n      include_body: true\n      min_interval: 1h\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for u, pw := range map[string]string{"alice": "pw", "romeo": "pw", "sally": "pw-sally"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", pw, "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	addr := srv.waitLog("listening for components")["addr"].(string)
	srv.waitLog("server started")
	return srv, addr
}

// appServer is the XEP-0114 component playing the app server.
type appServer struct {
	t *testing.T
	c *rawxmpp.Client
}

func connectAppServer(t *testing.T, addr string) *appServer {
	t.Helper()
	c, err := rawxmpp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	c.Timeout = 30 * time.Second // the machine may be loaded; a wait ends at the first notification
	c.Send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='push.localhost'>")
	if err := c.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, a := range c.Header.Attr {
		if a.Name.Local == "id" {
			id = a.Value
		}
	}
	c.Sendf("<handshake>%s</handshake>", handshakeDigest(id, "s3cret"))
	if _, err := c.Expect(rawxmpp.Is("handshake")); err != nil {
		t.Fatalf("component handshake: %v", err)
	}
	return &appServer{t: t, c: c}
}

// next waits for the next notification, answers it, checks that it is
// owner's, and returns the summary's count and body.
func (a *appServer) next(owner string) (count, body string) {
	a.t.Helper()
	el, err := a.c.Expect(func(el *etree.Element) bool { return el.Tag == "iq" && el.SelectAttrValue("type", "") == "set" })
	if err != nil {
		a.t.Fatalf("waiting for a notification: %v", err)
	}
	a.c.Sendf("<iq type='result' id='%s' from='push.localhost' to='%s'/>", el.SelectAttrValue("id", ""), el.SelectAttrValue("from", ""))
	if el.SelectAttrValue("from", "") != owner || el.FindElement("pubsub/publish[@node='n1']/item/notification") == nil {
		a.t.Fatalf("notification: %s", rawxmpp.Describe(el))
	}
	field := func(name string) string {
		if v := el.FindElement(fmt.Sprintf("pubsub/publish/item/notification/x/field[@var='%s']/value", name)); v != nil {
			return v.Text()
		}
		return ""
	}
	if field("FORM_TYPE") != "urn:xmpp:push:summary" || field("last-message-sender") == "" {
		a.t.Errorf("notification form: %s", rawxmpp.Describe(el))
	}
	return field("message-count"), field("last-message-body")
}

// waitDetached waits until the server has noticed that full's connection
// is gone and keeps the session for resumption.
func waitDetached(t *testing.T, srv *server, mark int, full string) {
	t.Helper()
	srv.waitLogFrom(mark, full+"'s session waiting for resumption", func(line map[string]any) bool {
		return line["@message"] == "connection lost; the session waits for the client to resume" && line["jid"] == full
	})
}

// enableResumableSM turns stream management on with resumption and
// returns the id to resume with.
func enableResumableSM(t *testing.T, c *rawxmpp.Client) (*smClient, string) {
	t.Helper()
	c.Send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
	el, err := c.Expect(rawxmpp.Is("enabled"))
	if err != nil || el.SelectAttrValue("resume", "") != "true" {
		t.Fatalf("enabling resumable stream management: %s %v", rawxmpp.Describe(el), err)
	}
	return &smClient{Client: c}, el.SelectAttrValue("id", "")
}

// TestPushWhileHibernating: a message alice's phone gets live wakes
// nobody; once its connection is gone and the session waits to be
// resumed, a burst of messages wakes it once; once resumed the count
// starts again, and a message the phone never acknowledged when its
// connection broke again wakes it too.
func TestPushWhileHibernating(t *testing.T) {
	srv, addr := pushServer(t, "5m")
	app := connectAppServer(t, addr)
	romeo, _ := login(t, srv, "romeo", "r")
	raw, phoneJID := login(t, srv, "alice", "phone")
	if r := iq(t, raw, "en", "<iq type='set' id='en'><enable xmlns='urn:xmpp:push:0' jid='push.localhost' node='n1'/></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("enable: %s", rawxmpp.Describe(r))
	}
	phone, previd := enableResumableSM(t, raw)

	// Attached: the phone gets m1 and acknowledges it.
	romeo.Sendf("<message type='chat' to='%s' id='m1'><body>m1</body></message>", phoneJID)
	if el := phone.next(t, false); el.SelectAttrValue("id", "") != "m1" {
		t.Fatalf("the phone got %s, want m1", rawxmpp.Describe(el))
	}
	phone.Sendf("<a xmlns='urn:xmpp:sm:3' h='%d'/>", phone.handled)

	mark := srv.logMark()
	phone.Conn.Close() // the network goes away, no </stream:stream>
	waitDetached(t, srv, mark, phoneJID)
	for _, id := range []string{"m2", "m3", "m4"} {
		romeo.Sendf("<message type='chat' to='%s' id='%s'><body>%s</body></message>", phoneJID, id, id)
	}
	// Had m1 woken anyone, this would be m1's.
	if count, body := app.next("alice@localhost"); count != "1" || body != "m2" {
		t.Fatalf("first notification: count %s body %q, want 1 and m2", count, body)
	}

	// The phone resumes and gets m2..m4, and loses its connection again
	// before acknowledging them.
	c, el := resume(t, srv, "alice", previd, phone.handled)
	if el.Tag != "resumed" {
		t.Fatalf("resumption: %s", rawxmpp.Describe(el))
	}
	for _, id := range []string{"m2", "m3", "m4"} {
		if _, err := c.Expect(isMsg(id)); err != nil {
			t.Fatalf("after resuming, waiting for %s: %v", id, err)
		}
	}
	mark = srv.logMark()
	c.Conn.Close()
	waitDetached(t, srv, mark, phoneJID)
	// A new burst, since the phone was back: count 1, for the newest
	// message it never acknowledged. Had m3 or m4 woken anyone before,
	// this would be theirs, counting on from m2.
	if count, body := app.next("alice@localhost"); count != "1" || body != "m4" {
		t.Fatalf("after the resumption: count %s body %q, want 1 and m4", count, body)
	}
}

// resume opens a new stream for user and asks to resume previd having
// handled h stanzas; it returns the client and the answer.
func resume(t *testing.T, srv *server, user, previd string, h int) (*rawxmpp.Client, *etree.Element) {
	t.Helper()
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
		func() error {
			return c.Sendf("<resume xmlns='urn:xmpp:sm:3' h='%d' previd='%s'/>", h, previd)
		},
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	el, err := c.Expect(func(el *etree.Element) bool { return el.Tag == "resumed" || el.Tag == "failed" })
	if err != nil {
		t.Fatal(err)
	}
	return c, el
}

// TestHeldMessageSurvivesExpiry: a message that reaches alice's session
// while it waits to be resumed, when the client never comes back, is in
// offline storage at her next login: neither lost with the session nor
// bounced.
func TestHeldMessageSurvivesExpiry(t *testing.T) {
	srv, _ := pushServer(t, "1s")
	romeo, _ := login(t, srv, "romeo", "r")
	raw, phoneJID := login(t, srv, "alice", "phone")
	phone, _ := enableResumableSM(t, raw)
	mark := srv.logMark()
	phone.Conn.Close()
	waitDetached(t, srv, mark, phoneJID)
	romeo.Sendf("<message type='chat' to='%s' id='held'><body>while you slept</body></message>", phoneJID)
	srv.waitLogFrom(mark, "the end of "+phoneJID+"'s session", func(line map[string]any) bool {
		return line["@message"] == "session ended" && line["jid"] == phoneJID && line["redelivered"] == float64(1)
	})
	alice, _ := login(t, srv, "alice", "laptop")
	alice.Send("<presence/>")
	el, err := alice.Expect(isMsg("held"))
	if err != nil {
		t.Fatalf("the held message at the next login: %v", err)
	}
	if el.FindElement("body").Text() != "while you slept" || el.FindElement("delay") == nil {
		t.Errorf("the held message came back as %s", rawxmpp.Describe(el))
	}
	// Anything bounced to romeo comes before the answer to his ping.
	romeo.Send("<iq type='get' to='localhost' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
	for {
		el, err := romeo.Next()
		if err != nil {
			t.Fatal(err)
		}
		if el.SelectAttrValue("id", "") == "sync" {
			break
		}
		if el.SelectAttrValue("type", "") == "error" {
			t.Errorf("romeo got an error back for a message that was kept: %s", rawxmpp.Describe(el))
		}
	}
}

// TestSlixmppPushWhileHibernating: the same with slixmpp's stream
// management (XEP-0198) on the phone, a client library we did not write
// (it has no XEP-0357 plugin; the enable goes as raw XML): a message it
// gets live wakes nobody; with its connection dropped a burst wakes it
// once; slixmpp resumes and gets the burst; dropped again, the next
// message is a new burst's first.
func TestSlixmppPushWhileHibernating(t *testing.T) {
	requireSlixmpp(t)
	srv, addr := pushServer(t, "5m")
	app := connectAppServer(t, addr)
	romeo, romeoJID := login(t, srv, "romeo", "r")
	sally := slixmppLogin(t, srv, "sally", "sm")
	sally.do(t, map[string]any{"cmd": "wait_sm"})
	sally.do(t, map[string]any{"cmd": "push_enable", "jid": "push.localhost", "node": "n1"})

	romeo.Sendf("<message type='chat' to='%s' id='m1'><body>m1</body></message>", sally.jid)
	sally.expectMessage(t, romeoJID, "m1")
	sally.do(t, map[string]any{"cmd": "ack"})
	mark := srv.logMark()
	sally.do(t, map[string]any{"cmd": "drop"})
	waitDetached(t, srv, mark, sally.jid)
	for _, id := range []string{"m2", "m3", "m4"} {
		romeo.Sendf("<message type='chat' to='%s' id='%s'><body>%s</body></message>", sally.jid, id, id)
	}
	if count, body := app.next("sally@localhost"); count != "1" || body != "m2" {
		t.Fatalf("first notification: count %s body %q, want 1 and m2", count, body)
	}

	host, port, _ := strings.Cut(srv.starttls, ":")
	sally.do(t, map[string]any{"cmd": "resume", "host": host, "port": port})
	for _, body := range []string{"m2", "m3", "m4"} {
		sally.expectMessage(t, romeoJID, body)
	}
	sally.do(t, map[string]any{"cmd": "ack"})
	mark = srv.logMark()
	sally.do(t, map[string]any{"cmd": "drop"})
	waitDetached(t, srv, mark, sally.jid)
	romeo.Sendf("<message type='chat' to='%s' id='m5'><body>m5</body></message>", sally.jid)
	// Had m3 or m4 woken anyone, this would be theirs.
	if count, body := app.next("sally@localhost"); count != "1" || body != "m5" {
		t.Fatalf("after the resumption: count %s body %q, want 1 and m5", count, body)
	}
}
