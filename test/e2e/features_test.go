package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// featureServer runs the binary with its built-in plugins and in-band
// registration on, with accounts alice, bob and carol (password "pw").
func featureServer(t *testing.T) *server {
	t.Helper()
	return featureServerIn(t, t.TempDir())
}

// featureServerIn is featureServer with its files in dir.
func featureServerIn(t *testing.T, dir string) *server {
	t.Helper()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("plugins:\n  register:\n    config:\n      allow_registration: true\n"), 0o644)
	for _, u := range []string{"alice", "bob", "carol"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	return srv
}

func login(t *testing.T, srv *server, user, resource string) (*rawxmpp.Client, string) {
	t.Helper()
	c, full, err := rawxmpp.Login(srv.starttls, "localhost", user, "pw", resource)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c, full
}

func iq(t *testing.T, c *rawxmpp.Client, id, format string, args ...any) *etree.Element {
	t.Helper()
	c.Sendf(format, args...)
	el, err := c.Expect(rawxmpp.ID(id))
	if err != nil {
		t.Fatalf("waiting for %s: %v", id, err)
	}
	return el
}

func isMsg(id string) func(*etree.Element) bool {
	return func(el *etree.Element) bool { return el.Tag == "message" && el.SelectAttrValue("id", "") == id }
}

func TestCarbons(t *testing.T) {
	srv := featureServer(t)
	phone, phoneJID := login(t, srv, "alice", "phone")
	desk, _ := login(t, srv, "alice", "desk")
	bob, bobJID := login(t, srv, "bob", "b")
	if r := iq(t, desk, "c1", "<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("enabling carbons: %s", rawxmpp.Describe(r))
	}
	bob.Sendf("<message to='%s' type='chat' id='in'><body>to the phone</body></message>", phoneJID)
	el, err := desk.Expect(func(el *etree.Element) bool { return el.FindElement("received/forwarded/message") != nil })
	if err != nil {
		t.Fatal(err)
	}
	if inner := el.FindElement("received/forwarded/message"); inner.SelectAttrValue("id", "") != "in" || inner.SelectAttrValue("from", "") != bobJID {
		t.Errorf("received carbon: %s", rawxmpp.Describe(el))
	}
	delivered, err := phone.Expect(isMsg("in"))
	if err != nil {
		t.Fatal(err)
	}
	// The carbon carries the same stanza-id as the phone's copy: the
	// client matches it with the archive instead of fetching it again.
	if got, want := stanzaIDOf(el.FindElement("received/forwarded/message"), "alice@localhost"), stanzaIDOf(delivered, "alice@localhost"); got == "" || got != want {
		t.Errorf("received carbon's stanza-id %q, the delivered copy's %q", got, want)
	}

	phone.Sendf("<message to='%s' type='chat' id='out'><body>from the phone</body></message>", bobJID)
	el, err = desk.Expect(func(el *etree.Element) bool { return el.FindElement("sent/forwarded/message") != nil })
	if err != nil {
		t.Fatal(err)
	}
	inner := el.FindElement("sent/forwarded/message")
	if inner.SelectAttrValue("id", "") != "out" || inner.SelectAttrValue("from", "") != phoneJID {
		t.Errorf("sent carbon: %s", rawxmpp.Describe(el))
	}
	// The sent carbon's stanza-id is the one alice's archive keeps the
	// message under.
	sentID := stanzaIDOf(inner, "alice@localhost")
	if sentID == "" {
		t.Fatalf("sent carbon without alice's stanza-id: %s", rawxmpp.Describe(el))
	}
	archived, _ := archiveIDs(t, desk, "mam", "")
	if !slices.Contains(archived, sentID) {
		t.Errorf("sent carbon's stanza-id %q is not among alice's archive ids %q", sentID, archived)
	}
}

// stanzaIDOf returns the XEP-0359 stanza-id that by's server put on a
// message.
func stanzaIDOf(msg *etree.Element, by string) string {
	for _, c := range msg.SelectElements("stanza-id") {
		if c.NamespaceURI() == "urn:xmpp:sid:0" && c.SelectAttrValue("by", "") == by {
			return c.SelectAttrValue("id", "")
		}
	}
	return ""
}

func TestOfflineMessagesArriveAtNextLogin(t *testing.T) {
	srv := featureServer(t)
	alice, aliceJID := login(t, srv, "alice", "a")
	for _, id := range []string{"o1", "o2"} {
		alice.Sendf("<message to='bob@localhost' type='chat' id='%s'><body>while you were away</body></message>", id)
	}
	// Stanzas to the same entity are processed in order (RFC 6120 §10.1):
	// the answer to an IQ to bob's bare JID proves the messages stored.
	iq(t, alice, "sync", "<iq type='get' to='bob@localhost' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
	bob, _ := login(t, srv, "bob", "b") // sends initial presence
	for _, id := range []string{"o1", "o2"} {
		el, err := bob.Expect(isMsg(id))
		if err != nil {
			t.Fatalf("offline message %s: %v", id, err)
		}
		if el.SelectAttrValue("from", "") != aliceJID || el.SelectElement("delay") == nil {
			t.Errorf("offline message %s: %s", id, rawxmpp.Describe(el))
		}
	}
}

func TestPrivateStorageAndVCardSurviveSessions(t *testing.T) {
	srv := featureServer(t)
	c, _ := login(t, srv, "alice", "a")
	iq(t, c, "p1", "<iq type='set' id='p1'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'><conference jid='room@muc.example' name='Room'/></storage></query></iq>")
	iq(t, c, "v1", "<iq type='set' id='v1'><vCard xmlns='vcard-temp'><FN>Alice</FN><NICKNAME>al</NICKNAME></vCard></iq>")
	c.Close()

	c2, _ := login(t, srv, "alice", "again")
	r := iq(t, c2, "p2", "<iq type='get' id='p2'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>")
	if conf := r.FindElement("query/storage/conference"); conf == nil || conf.SelectAttrValue("name", "") != "Room" {
		t.Errorf("bookmarks read back: %s", rawxmpp.Describe(r))
	}
	r = iq(t, c2, "v2", "<iq type='get' id='v2' to='alice@localhost'><vCard xmlns='vcard-temp'/></iq>")
	if fn := r.FindElement("vCard/FN"); fn == nil || fn.Text() != "Alice" {
		t.Errorf("own vCard read back: %s", rawxmpp.Describe(r))
	}
	bob, _ := login(t, srv, "bob", "b")
	r = iq(t, bob, "v3", "<iq type='get' id='v3' to='alice@localhost'><vCard xmlns='vcard-temp'/></iq>")
	if r.SelectAttrValue("from", "") != "alice@localhost" || r.FindElement("vCard/NICKNAME") == nil {
		t.Errorf("alice's vCard as bob sees it: %s", rawxmpp.Describe(r))
	}
}

func TestInBandRegistration(t *testing.T) {
	srv := featureServer(t)
	c, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream("localhost")
	if err := c.StartTLS("localhost"); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	if f.SelectElement("register") == nil {
		t.Fatalf("registration enabled but not advertised: %s", rawxmpp.Describe(f))
	}
	r := iq(t, c, "r1", "<iq type='set' id='r1'><query xmlns='jabber:iq:register'><username>dave</username><password>secret</password></query></iq>")
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("registering: %s", rawxmpp.Describe(r))
	}
	if _, _, err := rawxmpp.Login(srv.starttls, "localhost", "dave", "secret", "x"); err != nil {
		t.Fatalf("logging in as the new account: %v", err)
	}
	out, err := run(t, srv.dir, nil, "", "user", "list", "--config", filepath.Join(srv.dir, "switchboard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "dave@localhost"; !strings.Contains(out, want) {
		t.Errorf("user list after registration: %q", out)
	}
}
