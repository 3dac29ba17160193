package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestServicePluginOwnsADomain: examples/plugins/echoservice, built on its
// own and loaded by path, owns echo.localhost: the server's disco#items
// lists it, its disco#info is its own, a message to any JID in the domain
// comes back from that JID, and what it does not serve gets an error.
func TestServicePluginOwnsADomain(t *testing.T) {
	echo := buildExample(t, "examples/plugins/echoservice")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	write := func(grants string) {
		if err := os.WriteFile(cfg, []byte("plugins:\n  echoservice:\n    path: "+echo+"\n    grants: "+grants+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("[]")
	if out, err := run(t, dir, nil, "", "serve", "--config", cfg, "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0"); err == nil || !strings.Contains(out, "service") {
		t.Fatalf("a service plugin without the service grant: err %v, output:\n%s", err, out)
	}
	write("[service]")
	if out, err := run(t, dir, nil, "", "user", "add", "alice@localhost", "--password", "pw", "--config", cfg); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	alice, aliceJID := login(t, srv, "alice", "a")

	items := iq(t, alice, "items", "<iq type='get' to='localhost' id='items'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
	var listed *etree.Element
	for _, it := range items.FindElements("query/item") {
		if it.SelectAttrValue("jid", "") == "echo.localhost" {
			listed = it
		}
	}
	if listed == nil || listed.SelectAttrValue("name", "") != "Echo service" {
		t.Fatalf("the server's disco#items: %s, want echo.localhost named Echo service", rawxmpp.Describe(items))
	}
	info := iq(t, alice, "info", "<iq type='get' to='echo.localhost' id='info'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if info.SelectAttrValue("from", "") != "echo.localhost" || info.FindElement("query/identity[@category='component']") == nil || info.FindElement("query/feature[@var='urn:xmpp:example:echo']") == nil {
		t.Fatalf("disco#info of the service: %s", rawxmpp.Describe(info))
	}

	alice.Send("<message type='chat' to='Room@Echo.localhost/x' id='e1'><body>hello</body></message>")
	el, err := alice.Expect(rawxmpp.Is("message"))
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("from", "") != "room@echo.localhost/x" || el.SelectAttrValue("to", "") != aliceJID || el.FindElement("body").Text() != "hello" {
		t.Fatalf("the echo: %s", rawxmpp.Describe(el))
	}

	r := iq(t, alice, "other", "<iq type='get' to='echo.localhost' id='other'><query xmlns='urn:example:unknown'/></iq>")
	if r.SelectAttrValue("type", "") != "error" || r.FindElement("error/service-unavailable") == nil || r.SelectAttrValue("from", "") != "echo.localhost" {
		t.Fatalf("an IQ the service does not serve: %s", rawxmpp.Describe(r))
	}
	r = iq(t, alice, "remote", "<iq type='get' to='elsewhere.example' id='remote'><ping xmlns='urn:xmpp:ping'/></iq>")
	if r.FindElement("error/remote-server-not-found") == nil {
		t.Fatalf("a domain no service owns: %s", rawxmpp.Describe(r))
	}
}
