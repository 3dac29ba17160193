package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/caps"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestHistoryOnANewDevice: bob's conversation is in his archive, and a
// device that logs in later fetches it (XEP-0313).
func TestHistoryOnANewDevice(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	phone, phoneJID := login(t, srv, "bob", "phone")
	for i := 0; i < 3; i++ {
		alice.Sendf("<message to='%s' type='chat' id='h%d'><body>history %d</body></message>", phoneJID, i, i)
		if _, err := phone.Expect(isMsg(fmt.Sprintf("h%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	laptop, _ := login(t, srv, "bob", "laptop") // the new device
	_, bodies := archiveIDs(t, laptop, "mam", "")
	if !slices.Equal(bodies, []string{"history 0", "history 1", "history 2"}) {
		t.Fatalf("the new device found %q in the archive, want the three messages in order", bodies)
	}
}

// TestAvatarSeenByAContact: alice publishes an avatar (XEP-0084 over PEP);
// bob, her contact, whose client announces avatar metadata +notify in its
// entity capabilities (XEP-0115), is notified, and fetches the image.
func TestAvatarSeenByAContact(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	setup, _ := login(t, srv, "bob", "setup")
	befriend(t, alice, setup, "alice@localhost", "bob@localhost")

	// bob's client logs in and announces its capabilities with its initial
	// presence, as clients do: its features, and the caps hash over them.
	bob, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Conn.Close()
	for _, step := range []func() error{
		func() error { return bob.OpenStream("localhost") },
		func() error { return bob.StartTLS("localhost") },
		func() error { return bob.AuthPlain("localhost", "bob", "pw") },
		func() error { _, err := bob.Bind("avatars"); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	identities := []caps.Identity{{Category: "client", Type: "pc", Name: "rawxmpp"}}
	features := []string{"http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info", "urn:xmpp:avatar:metadata+notify"}
	ver := caps.Ver(identities, features, nil)
	const node = "https://switchboard.example/rawxmpp"
	bob.Sendf("<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='%s' ver='%s'/></presence>", node, ver)
	// The server asks bob's client what it supports; bob answers.
	q, err := bob.Expect(func(el *etree.Element) bool {
		return el.Tag == "iq" && el.SelectAttrValue("type", "") == "get" && el.FindElement("query") != nil && el.FindElement("query").SelectAttrValue("xmlns", "") == "http://jabber.org/protocol/disco#info"
	})
	if err != nil {
		t.Fatalf("the server never asked bob's client for its features: %v", err)
	}
	reply := fmt.Sprintf("<iq type='result' id='%s' to='%s'><query xmlns='http://jabber.org/protocol/disco#info' node='%s'><identity category='client' type='pc' name='rawxmpp'/>",
		q.SelectAttrValue("id", ""), q.SelectAttrValue("from", ""), q.FindElement("query").SelectAttrValue("node", ""))
	for _, f := range features {
		reply += "<feature var='" + f + "'/>"
	}
	bob.Send(reply + "</query></iq>")

	const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
	const id = "4f2d8c1bb1e7cd8a2f3e3b1ad0e7a1b5c9d2e4f6"
	r := iq(t, alice, "data", "<iq type='set' id='data'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:data'><item id='%s'><data xmlns='urn:xmpp:avatar:data'>%s</data></item></publish></pubsub></iq>", id, png)
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("publishing avatar data: %s", rawxmpp.Describe(r))
	}
	// Publish the metadata until bob's capabilities have been learned
	// (the server learns them asynchronously) and he is notified.
	deadline := time.Now().Add(20 * time.Second)
	for n := 0; ; n++ {
		iq(t, alice, fmt.Sprintf("meta%d", n), "<iq type='set' id='meta%d'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:metadata'><item id='%s'><metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='70' id='%s' height='1' width='1' type='image/png'/></metadata></item></publish></pubsub></iq>", n, id, id)
		bob.Timeout = time.Second
		el, err := bob.Expect(func(el *etree.Element) bool { return el.FindElement("event/items/item/metadata/info") != nil })
		bob.Timeout = 5 * time.Second
		if err == nil {
			if el.SelectAttrValue("from", "") != "alice@localhost" {
				t.Errorf("notification from %q", el.SelectAttrValue("from", ""))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("bob was never notified of alice's avatar")
		}
	}
	r = iq(t, bob, "fetch", "<iq type='get' id='fetch' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='%s'/></items></pubsub></iq>", id)
	if d := r.FindElement("pubsub/items/item/data"); d == nil || d.Text() != png {
		t.Errorf("bob fetching the image: %s", rawxmpp.Describe(r))
	}
	// Service discovery of alice's account lists her avatar nodes, as a
	// client's service browser shows them (XEP-0060 §5.2).
	r = iq(t, bob, "items", "<iq type='get' id='items' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
	var nodes []string
	for _, it := range r.FindElements("query/item") {
		if n := it.SelectAttrValue("node", ""); n != "" && it.SelectAttrValue("jid", "") == "alice@localhost" {
			nodes = append(nodes, n)
		}
	}
	if !slices.Equal(nodes, []string{"urn:xmpp:avatar:data", "urn:xmpp:avatar:metadata"}) {
		t.Errorf("disco#items of alice's account lists nodes %q: %s", nodes, rawxmpp.Describe(r))
	}
}

// TestDisabledPluginLeavesDisco: disabling vCard in the config and sending
// SIGHUP takes vcard-temp out of the server's disco#info, and its route.
func TestDisabledPluginLeavesDisco(t *testing.T) {
	srv := featureServer(t)
	c, _ := login(t, srv, "alice", "a")
	has := func(feature string) bool {
		r := iq(t, c, "d", "<iq type='get' id='d' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
		for _, f := range r.FindElements("query/feature") {
			if f.SelectAttrValue("var", "") == feature {
				return true
			}
		}
		return false
	}
	if !has("vcard-temp") {
		t.Fatal("vcard-temp not advertised to begin with")
	}
	cfg := filepath.Join(srv.dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("plugins:\n  register:\n    config:\n      allow_registration: true\n  vcard:\n    enabled: false\n"), 0o644)
	srv.cmd.Process.Signal(syscall.SIGHUP)
	srv.waitLog("configuration reloaded")
	deadline := time.Now().Add(10 * time.Second)
	for has("vcard-temp") {
		if time.Now().After(deadline) {
			t.Fatal("vcard-temp still advertised after disabling vCard and SIGHUP")
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Send("<iq type='get' id='v' to='alice@localhost'><vCard xmlns='vcard-temp'/></iq>")
	if el := expectError(t, c, "v"); el != "service-unavailable" {
		t.Errorf("a vCard request with vCard disabled: %s", el)
	}
}
