package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// The seed session (shared/seed/000_cadfb7742ef62b23.txt): Psi+ logging
// into Tigase as guanfei@xumatomacbook-pro.local, replayed stanza for
// stanza with the same domain, ids and bytes, against the built binary.
const seedDomain = "xumatomacbook-pro.local"

// seedServer runs the binary for the seed's domain with accounts guanfei
// and guanfei1 (passwords as in the seed's PLAIN exchange), who are each
// other's contacts (subscription both, guanfei calls guanfei1 "ohno"),
// and guanfei's vCard as the seed shows it.
func seedServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("domain: "+seedDomain+"\n"), 0o644)
	for _, u := range []string{"guanfei", "guanfei1"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@"+seedDomain, "--password", u, "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")

	g, gJID, err := rawxmpp.Login(srv.starttls, seedDomain, "guanfei", "guanfei", "setup")
	if err != nil {
		t.Fatal(err)
	}
	g1, g1JID, err := rawxmpp.Login(srv.starttls, seedDomain, "guanfei1", "guanfei1", "setup")
	if err != nil {
		t.Fatal(err)
	}
	bare, bare1 := "guanfei@"+seedDomain, "guanfei1@"+seedDomain
	iq(t, g, "s1", "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='%s' name='ohno'/></query></iq>", bare1)
	iq(t, g, "s2", "<iq type='set' id='s2'><vCard xmlns='vcard-temp'><FN>guanfei</FN><NICKNAME>guanfei</NICKNAME></vCard></iq>")
	g.Sendf("<presence to='%s' type='subscribe'/>", bare1)
	if _, err := g1.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe"
	}); err != nil {
		t.Fatalf("subscription request to guanfei1: %v", err)
	}
	g1.Sendf("<presence to='%s' type='subscribed'/>", bare)
	g1.Sendf("<presence to='%s' type='subscribe'/>", bare)
	if _, err := g.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe"
	}); err != nil {
		t.Fatalf("subscription request to guanfei: %v", err)
	}
	g.Sendf("<presence to='%s' type='subscribed'/>", bare1)
	waitRoster(t, g, bare1, "both")
	_, _ = gJID, g1JID
	g.Close()
	g1.Close()
	return srv
}

// waitRoster polls the roster until contact has the subscription state.
func waitRoster(t *testing.T, c *rawxmpp.Client, contact, sub string) {
	t.Helper()
	for i := 0; i < 50; i++ {
		r := iq(t, c, "w", "<iq type='get' id='w'><query xmlns='jabber:iq:roster'/></iq>")
		for _, it := range r.FindElements("query/item") {
			if it.SelectAttrValue("jid", "") == contact && it.SelectAttrValue("subscription", "") == sub {
				return
			}
		}
	}
	t.Fatalf("%s never reached subscription %s", contact, sub)
}

// seedStanza is the text of the seed, the client's side, byte for byte
// (only the whitespace the blog added between lines is left out).
var seedStream = `<?xml version="1.0"?><stream:stream xmlns:stream="http://etherx.jabber.org/streams" version="1.0" xmlns="jabber:client" to="xumatomacbook-pro.local" xml:lang="en" xmlns:xml="http://www.w3.org/XML/1998/namespace">`

func TestSeedSession(t *testing.T) {
	srv := seedServer(t)
	// guanfei1 is online on Psi+ too, so that its presence arrives.
	g1, _, err := rawxmpp.Login(srv.starttls, seedDomain, "guanfei1", "guanfei1", "Psi+")
	if err != nil {
		t.Fatal(err)
	}
	defer g1.Conn.Close()
	g1.Send(`<presence><priority>50</priority><c xmlns="http://jabber.org/protocol/caps" node="http://psi-dev.googlecode.com/caps" ver="0.16" ext="ca cs e-time ep-notify-2 html last-act mr sxe whiteboard"/></presence>`)
	// The answer to a ping sent after it says the server has handled that
	// presence: guanfei's probe must find it, not the empty one before.
	iq(t, g1, "g1sync", "<iq type='get' id='g1sync'><ping xmlns='urn:xmpp:ping'/></iq>")

	c, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	step := func(name string, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	expect := func(match func(*etree.Element) bool) *etree.Element {
		t.Helper()
		el, err := c.Expect(match)
		if err != nil {
			t.Fatal(err)
		}
		return el
	}

	// Stream, STARTTLS.
	step("open", func() error { c.Send(seedStream); return c.ReadHeader() })
	f := expect(rawxmpp.Is("features"))
	if f.SelectElement("starttls") == nil {
		t.Fatalf("no starttls: %s", rawxmpp.Describe(f))
	}
	c.Send(`<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>`)
	expect(rawxmpp.Is("proceed"))
	step("tls", func() error { return c.UpgradeTLS(seedDomain) })
	step("reopen", func() error { c.Send(seedStream); return c.ReadHeader() })
	f = expect(rawxmpp.Is("features"))
	var plain bool
	for _, m := range f.FindElements("mechanisms/mechanism") {
		plain = plain || m.Text() == "PLAIN"
	}
	if !plain {
		t.Fatalf("PLAIN not offered after TLS: %s", rawxmpp.Describe(f))
	}
	// SASL PLAIN with the seed's exact credentials.
	c.Send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGd1YW5mZWkAZ3VhbmZlaQ==</auth>`)
	expect(rawxmpp.Is("success"))
	step("restart", func() error { c.Send(seedStream); return c.ReadHeader() })
	f = expect(rawxmpp.Is("features"))
	for _, want := range []string{"bind", "session", "ver"} {
		if f.SelectElement(want) == nil {
			t.Errorf("post-auth features lack %s: %s", want, rawxmpp.Describe(f))
		}
	}
	full := "guanfei@" + seedDomain + "/Psi+"

	// Bind, legacy session, roster.
	c.Send(`<iq type="set" id="bind_1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>Psi+</resource></bind></iq>`)
	r := expect(rawxmpp.ID("bind_1"))
	if r.SelectAttrValue("type", "") != "result" || r.FindElement("bind/jid").Text() != full {
		t.Fatalf("bind: %s", rawxmpp.Describe(r))
	}
	c.Send(`<iq type="set" id="ab46a"><session xmlns="urn:ietf:params:xml:ns:xmpp-session"/></iq>`)
	if r = expect(rawxmpp.ID("ab46a")); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("session: %s", rawxmpp.Describe(r))
	}
	c.Send(`<iq type="get" id="ab47a"><query xmlns="jabber:iq:roster"/></iq>`)
	r = expect(rawxmpp.ID("ab47a"))
	item := r.FindElement("query/item")
	if r.SelectAttrValue("type", "") != "result" || item == nil || item.SelectAttrValue("jid", "") != "guanfei1@"+seedDomain ||
		item.SelectAttrValue("subscription", "") != "both" || item.SelectAttrValue("name", "") != "ohno" {
		t.Fatalf("roster: %s", rawxmpp.Describe(r))
	}

	// Initial presence, then the four requests Psi+ sends at once.
	c.Send(`<presence><priority>50</priority><c xmlns="http://jabber.org/protocol/caps" node="http://psi-dev.googlecode.com/caps" ver="0.16" ext="ca cs e-time ep-notify-2 html last-act mr sxe whiteboard"/></presence>`)
	c.Send(`<iq type="get" id="ab49a"><query xmlns="jabber:iq:privacy"/></iq>`)
	c.Send(`<iq type="get" id="ab4aa"><query xmlns="jabber:iq:private"><storage xmlns="storage:bookmarks"/></query></iq>`)
	c.Sendf(`<iq type="get" to="guanfei@%s" id="ab4ba"><vCard xmlns="vcard-temp"/></iq>`, seedDomain)
	c.Sendf(`<iq type="get" to="%s" id="ab4ca"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`, seedDomain)

	want := map[string]bool{"self-presence": false, "contact-presence": false, "ab49a": false, "ab4aa": false, "ab4ba": false, "ab4ca": false}
	for done := 0; done < len(want); {
		el := expect(func(*etree.Element) bool { return true })
		key := el.SelectAttrValue("id", "")
		switch {
		case el.Tag == "presence" && el.SelectAttrValue("from", "") == full:
			key = "self-presence" // RFC 6121 §4.2.2: back to the sender's own resources
			if el.FindElement("c") == nil {
				t.Errorf("own presence lost its caps: %s", rawxmpp.Describe(el))
			}
		case el.Tag == "presence" && el.SelectAttrValue("from", "") == "guanfei1@"+seedDomain+"/Psi+":
			key = "contact-presence"
			if p := el.FindElement("priority"); p == nil || p.Text() != "50" || el.FindElement("c") == nil {
				t.Errorf("contact's presence: %s", rawxmpp.Describe(el))
			}
		case el.Tag != "iq":
			continue
		}
		seen, ok := want[key]
		if !ok || seen {
			continue
		}
		want[key] = true
		done++
		checkSeedReply(t, key, el)
	}

	// Logout, as Psi+ does it; guanfei1 sees it.
	c.Send(`<presence type="unavailable"><status>Logged out</status></presence>`)
	el, err := g1.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("type", "") == "unavailable" && el.SelectAttrValue("from", "") == full
	})
	if err != nil {
		t.Fatalf("guanfei1 never saw guanfei log out: %v", err)
	}
	if s := el.FindElement("status"); s == nil || s.Text() != "Logged out" {
		t.Errorf("logout presence: %s", rawxmpp.Describe(el))
	}
	c.Send("</stream:stream>")
	if _, err := c.Next(); err != rawxmpp.ErrStreamClosed {
		t.Errorf("closing the stream: %v", err)
	}
}

func checkSeedReply(t *testing.T, id string, el *etree.Element) {
	t.Helper()
	if id == "self-presence" || id == "contact-presence" {
		return
	}
	if el.SelectAttrValue("type", "") != "result" {
		t.Errorf("%s: %s", id, rawxmpp.Describe(el))
		return
	}
	switch id {
	case "ab49a": // privacy: a user with no lists gets an empty query
		if el.FindElement("query") == nil {
			t.Errorf("privacy: %s", rawxmpp.Describe(el))
		}
	case "ab4aa": // private: the bookmarks element, empty
		if el.FindElement("query/storage") == nil {
			t.Errorf("bookmarks: %s", rawxmpp.Describe(el))
		}
	case "ab4ba": // own vCard, from the bare JID
		if el.SelectAttrValue("from", "") != "guanfei@"+seedDomain || el.FindElement("vCard/FN").Text() != "guanfei" || el.FindElement("vCard/NICKNAME") == nil {
			t.Errorf("vCard: %s", rawxmpp.Describe(el))
		}
	case "ab4ca": // disco#info of the server
		checkDiscoFloor(t, el)
	}
}

// checkDiscoFloor checks the server's disco#info: an im server, and every
// feature of the seed's list that Switchboard implements.
func checkDiscoFloor(t *testing.T, el *etree.Element) {
	t.Helper()
	if el.SelectAttrValue("from", "") != seedDomain {
		t.Errorf("disco#info from %q", el.SelectAttrValue("from", ""))
	}
	var identity bool
	for _, id := range el.FindElements("query/identity") {
		identity = identity || (id.SelectAttrValue("category", "") == "server" && id.SelectAttrValue("type", "") == "im")
	}
	if !identity {
		t.Errorf("no server/im identity: %s", rawxmpp.Describe(el))
	}
	var pep bool
	for _, id := range el.FindElements("query/identity") {
		pep = pep || (id.SelectAttrValue("category", "") == "pubsub" && id.SelectAttrValue("type", "") == "pep")
	}
	if !pep {
		t.Errorf("no pubsub/pep identity: %s", rawxmpp.Describe(el))
	}
	have := map[string]bool{}
	for _, f := range el.FindElements("query/feature") {
		have[f.SelectAttrValue("var", "")] = true
	}
	for _, f := range seedFeatures {
		if !have[f] {
			t.Errorf("disco#info lacks %s", f)
		}
	}
}

// seedFeatures are the features of the seed's disco#info: the floor of
// what the server advertises.
var seedFeatures = []string{
	"http://jabber.org/protocol/disco#info",
	"http://jabber.org/protocol/disco#items",
	"msgoffline",
	"jabber:iq:version",
	"jabber:iq:roster",
	"vcard-temp",
	"urn:ietf:params:xml:ns:xmpp-sasl",
	"urn:xmpp:ping",
	"urn:ietf:params:xml:ns:xmpp-session",
	"jabber:iq:privacy",
	"urn:ietf:params:xml:ns:xmpp-bind",
	"jabber:iq:private",
	"jabber:iq:auth",
	"http://jabber.org/protocol/stats",
	"http://jabber.org/protocol/commands",
	"jabber:iq:roster-dynamic",
	"http://jabber.org/protocol/pubsub",
	"http://jabber.org/protocol/pubsub#owner",
	"http://jabber.org/protocol/pubsub#publish",
	"http://jabber.org/protocol/amp",
}
