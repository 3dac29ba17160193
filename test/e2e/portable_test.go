package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/xdg-go/scram"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestExportImportRoundTrip exports a server's accounts with their data,
// imports the file into a new store and serves it: the users log in with
// their old passwords (PLAIN and SCRAM-SHA-256: the keys moved) and find
// their roster, a pending subscription request, vCard, private XML and an
// offline message. A second import changes nothing.
func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	srv := featureServerIn(t, dir)
	alice, _ := login(t, srv, "alice", "a")
	bob, _ := login(t, srv, "bob", "b")
	for _, set := range []string{
		"<iq type='set' id='r1'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bobby'><group>Friends</group></item></query></iq>",
		"<iq type='set' id='v1'><vCard xmlns='vcard-temp'><FN>Alice Exported</FN></vCard></iq>",
		"<iq type='set' id='p1'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'><conference jid='room@conference.localhost' autojoin='true'/></storage></query></iq>",
	} {
		id := etreeAttr(t, set, "id")
		if r := iq(t, alice, id, "%s", set); r.SelectAttrValue("type", "") != "result" {
			t.Fatalf("%s: %s", id, rawxmpp.Describe(r))
		}
	}
	bob.Send("<presence to='alice@localhost' type='subscribe'><status>it is Bob</status></presence>")
	if _, err := alice.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe"
	}); err != nil {
		t.Fatalf("alice waiting for bob's request: %v", err)
	}
	bob.Send("<message to='carol@localhost' type='chat' id='off1'><body>kept for carol</body></message>")

	// The message is stored before bob's stream moves on, but the test
	// cannot see that moment: it exports until the file holds it.
	cfg := filepath.Join(dir, "switchboard.yaml")
	var file string
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		file = filepath.Join(dir, "export"+string(rune('a'+i%26))+".xml")
		os.Remove(file)
		out, err := run(t, dir, nil, "", "export", "--config", cfg, "--to", file)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, out)
		}
		if b, _ := os.ReadFile(file); strings.Contains(string(b), "kept for carol") {
			if !strings.Contains(out, "exported 3 accounts") || !strings.Contains(out, "100% 3/3 accounts") {
				t.Errorf("export said:\n%s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export never held carol's offline message:\n%s", out)
		}
	}
	checkPIE(t, file)

	fresh := t.TempDir()
	cfg2 := filepath.Join(fresh, "switchboard.yaml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg2, b, 0o644)
	out, err := run(t, fresh, nil, "", "import", "--config", cfg2, "--dry-run", file)
	if err != nil || !strings.Contains(out, "would import 3 accounts") {
		t.Fatalf("import --dry-run: %v\n%s", err, out)
	}
	if out, err := run(t, fresh, nil, "", "user", "list", "--config", cfg2); err != nil || strings.Contains(out, "alice") {
		t.Fatalf("a dry run created accounts: %v\n%s", err, out)
	}
	if out, err := run(t, fresh, nil, "", "import", "--config", cfg2, file); err != nil || !strings.Contains(out, "imported 3 accounts") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := run(t, fresh, nil, "", "import", "--config", cfg2, file); err != nil || !strings.Contains(out, "imported 0 accounts; left 3 that exist") {
		t.Fatalf("importing again: %v\n%s", err, out)
	}

	second := startServer(t, fresh, nil, "--config", cfg2)
	second.waitLog("server started")
	scramLogin(t, second, "alice", "pw", "SCRAM-SHA-256")
	alice, _ = login(t, second, "alice", "a")
	if _, err := alice.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe" && el.SelectAttrValue("from", "") == "bob@localhost" &&
			el.FindElement("status") != nil && el.FindElement("status").Text() == "it is Bob"
	}); err != nil {
		t.Fatalf("alice waiting for bob's pending request after the import: %v", err)
	}
	checkImported(t, alice, "Bobby", "Alice Exported", "room@conference.localhost")
	carol, _ := login(t, second, "carol", "c")
	msg, err := carol.Expect(isMsg("off1"))
	if err != nil {
		t.Fatalf("carol waiting for her offline message: %v", err)
	}
	if msg.FindElement("body").Text() != "kept for carol" || msg.FindElement("delay") == nil {
		t.Errorf("carol's offline message: %s", rawxmpp.Describe(msg))
	}
}

// checkImported checks alice's roster item for bob, her vCard's FN and
// her bookmark, over XMPP.
func checkImported(t *testing.T, alice *rawxmpp.Client, name, fn, room string) {
	t.Helper()
	r := iq(t, alice, "rg", "<iq type='get' id='rg'><query xmlns='jabber:iq:roster'/></iq>")
	item := r.FindElement("query/item[@jid='bob@localhost']")
	if item == nil || item.SelectAttrValue("name", "") != name || item.FindElement("group") == nil || item.FindElement("group").Text() != "Friends" {
		t.Errorf("alice's roster: %s", rawxmpp.Describe(r))
	}
	r = iq(t, alice, "vg", "<iq type='get' id='vg'><vCard xmlns='vcard-temp'/></iq>")
	if e := r.FindElement("vCard/FN"); e == nil || e.Text() != fn {
		t.Errorf("alice's vCard: %s", rawxmpp.Describe(r))
	}
	r = iq(t, alice, "pg", "<iq type='get' id='pg'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>")
	if e := r.FindElement("query/storage/conference"); e == nil || e.SelectAttrValue("jid", "") != room {
		t.Errorf("alice's bookmarks: %s", rawxmpp.Describe(r))
	}
}

// checkPIE checks the export's frame: XEP-0227's namespaces, one host,
// SCRAM keys for both hashes and no password.
func checkPIE(t *testing.T, file string) {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(file); err != nil {
		t.Fatalf("the export is not XML: %v", err)
	}
	root := doc.Root()
	if root.Tag != "server-data" || root.NamespaceURI() != "urn:xmpp:pie:0" {
		t.Fatalf("the export's root: <%s xmlns='%s'>", root.Tag, root.NamespaceURI())
	}
	users := root.FindElements("host[@jid='localhost']/user")
	if len(users) != 3 {
		t.Fatalf("the export holds %d users of localhost, want 3", len(users))
	}
	for _, u := range users {
		if u.SelectAttr("password") != nil {
			t.Errorf("user %s: the export holds a password", u.SelectAttrValue("name", ""))
		}
		var mechs []string
		for _, c := range u.SelectElements("scram-credentials") {
			if c.NamespaceURI() == "urn:xmpp:pie:0#scram" {
				mechs = append(mechs, c.SelectAttrValue("mechanism", ""))
			}
		}
		if strings.Join(mechs, " ") != "SCRAM-SHA-1 SCRAM-SHA-256" {
			t.Errorf("user %s: credentials for %v", u.SelectAttrValue("name", ""), mechs)
		}
	}
}

// scramLogin authenticates with mech (SCRAM-SHA-1 or SCRAM-SHA-256) on a
// new stream and fails the test unless it succeeds.
func scramLogin(t *testing.T, srv *server, user, password, mech string) {
	t.Helper()
	if err := tryScram(srv, user, password, mech); err != nil {
		t.Fatalf("%s login of %s: %v", mech, user, err)
	}
}

func tryScram(srv *server, user, password, mech string) error {
	c, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.OpenStream("localhost"); err != nil {
		return err
	}
	if err := c.StartTLS("localhost"); err != nil {
		return err
	}
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		return err
	}
	hash := scram.SHA256
	if mech == "SCRAM-SHA-1" {
		hash = scram.SHA1
	}
	client, err := hash.NewClient(user, password, "")
	if err != nil {
		return err
	}
	return c.SCRAM("localhost", mech, client.NewConversation())
}

func etreeAttr(t *testing.T, s, name string) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(s); err != nil {
		t.Fatal(err)
	}
	return doc.Root().SelectAttrValue(name, "")
}

// TestImportFromProsody moves accounts from Debian's Prosody: a Prosody
// data directory with three accounts (registered by prosodyctl, so with
// Prosody's own SCRAM-SHA-1 keys), a roster with a group, a pending
// request, a vCard and a bookmark is exported by Prosody's migrator into
// its XEP-0227 store and imported. The users log in with their Prosody
// passwords: SCRAM-SHA-1 at once; SCRAM-SHA-256 is refused (Prosody kept
// no SHA-256 keys) until a PLAIN login adds them. Prosody 0.12's
// XEP-0227 store has no offline messages, so none come from it.
func TestImportFromProsody(t *testing.T) {
	requireProsody(t)
	pdir := t.TempDir()
	out := filepath.Join(pdir, "export")
	data := filepath.Join(pdir, "data")
	host := filepath.Join(data, "localhost")
	for _, d := range []string{out, filepath.Join(host, "roster"), filepath.Join(host, "vcard"), filepath.Join(host, "private")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pcfg := filepath.Join(pdir, "prosody.cfg.lua")
	os.WriteFile(pcfg, []byte(`run_as_root = true
data_path = "`+data+`"
pidfile = "`+filepath.Join(pdir, "prosody.pid")+`"
log = { error = "`+filepath.Join(pdir, "prosody.log")+`" }
authentication = "internal_hashed"
storage = "internal"
VirtualHost "localhost"
`), 0o644)
	for _, u := range [][2]string{{"alice", "alice-secret"}, {"bob", "bob-secret"}, {"carol", "carol-secret"}} {
		if b, err := exec.Command("prosodyctl", "--config", pcfg, "register", u[0], "localhost", u[1]).CombinedOutput(); err != nil {
			t.Fatalf("prosodyctl register %s: %v\n%s", u[0], err, b)
		}
	}
	// Prosody's internal store: what its mod_roster, mod_vcard and
	// mod_private write (util.serialization's Lua tables).
	files := map[string]string{
		"roster/alice.dat": `return {
	[false] = { ["version"] = 3; ["pending"] = { ["carol@localhost"] = true; }; };
	["bob@localhost"] = { ["subscription"] = "both"; ["name"] = "Bob P"; ["groups"] = { ["Friends"] = true; }; };
	["dave@remote.example"] = { ["subscription"] = "none"; ["ask"] = "subscribe"; ["groups"] = {}; };
};`,
		"vcard/alice.dat": `return { ["name"] = "vCard"; ["attr"] = { ["xmlns"] = "vcard-temp"; };
	[1] = { ["name"] = "FN"; ["attr"] = {}; [1] = "Alice from Prosody"; }; };`,
		"private/alice.dat": `return { ["storage:storage:bookmarks"] = { ["name"] = "storage"; ["attr"] = { ["xmlns"] = "storage:bookmarks"; };
	[1] = { ["name"] = "conference"; ["attr"] = { ["jid"] = "den@conference.localhost"; ["autojoin"] = "true"; }; }; }; };`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(host, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	prosodyExport(t, pdir, data, out)

	dir := t.TempDir()
	res, err := run(t, dir, nil, "", "import", out)
	if err != nil || !strings.Contains(res, "imported 3 accounts") || !strings.Contains(res, "3 with SCRAM-SHA-1 keys only") ||
		!strings.Contains(res, "account imported with SCRAM-SHA-1 keys only") {
		t.Fatalf("import of Prosody's export: %v\n%s", err, res)
	}
	srv := startServer(t, dir, nil)
	srv.waitLog("server started")
	scramLogin(t, srv, "alice", "alice-secret", "SCRAM-SHA-1")
	if err := tryScram(srv, "alice", "alice-secret", "SCRAM-SHA-256"); err == nil || !strings.Contains(err.Error(), "not-authorized") {
		t.Fatalf("SCRAM-SHA-256 without SHA-256 keys: %v, want not-authorized", err)
	}
	srv.waitLog("a client asked for a SCRAM hash the account has no keys for; it logs in with another mechanism, or after `switchboard user passwd`")
	c, _, err := rawxmpp.Login(srv.starttls, "localhost", "alice", "alice-secret", "a")
	if err != nil {
		t.Fatalf("PLAIN login with alice's Prosody password: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	scramLogin(t, srv, "alice", "alice-secret", "SCRAM-SHA-256") // PLAIN gave her the keys
	scramLogin(t, srv, "bob", "bob-secret", "SCRAM-SHA-1")
	if _, err := c.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe" && el.SelectAttrValue("from", "") == "carol@localhost"
	}); err != nil {
		t.Fatalf("alice waiting for carol's pending request: %v\n%s", err, srv.logText())
	}
	checkImported(t, c, "Bob P", "Alice from Prosody", "den@conference.localhost")
	r := iq(t, c, "rg2", "<iq type='get' id='rg2'><query xmlns='jabber:iq:roster'/></iq>")
	if it := r.FindElement("query/item[@jid='dave@remote.example']"); it == nil || it.SelectAttrValue("ask", "") != "subscribe" {
		t.Errorf("alice's request to dave: %s", rawxmpp.Describe(r))
	}
	if it := r.FindElement("query/item[@jid='bob@localhost']"); it == nil || it.SelectAttrValue("subscription", "") != "both" {
		t.Errorf("alice's subscription with bob: %s", rawxmpp.Describe(r))
	}
}

// prosodyExport runs Prosody's migrator from its internal store in data
// into its XEP-0227 store. That store writes to Prosody's data path, which
// the migrator takes from a constant in its script (CFG_DATADIR, the
// Debian package's /var/lib/prosody); the test runs a copy of the script
// with the constant pointing at out, so that the machine's Prosody data
// is not touched.
func prosodyExport(t *testing.T, pdir, data, out string) {
	t.Helper()
	script, err := os.ReadFile("/usr/bin/prosody-migrator")
	if err != nil {
		t.Fatalf("prosody-migrator (Debian's prosody package): %v", err)
	}
	lines := strings.Split(string(script), "\n")
	interp := strings.Fields(strings.TrimPrefix(lines[0], "#!"))
	found := false
	for i, l := range lines {
		if strings.HasPrefix(l, "CFG_DATADIR=") {
			lines[i], found = "CFG_DATADIR='"+out+"';", true
		}
	}
	if !found {
		t.Fatalf("prosody-migrator has no CFG_DATADIR line to point at the export directory")
	}
	copyPath := filepath.Join(pdir, "prosody-migrator")
	os.WriteFile(copyPath, []byte(strings.Join(lines, "\n")), 0o755)
	stores := `{ ["localhost"] = { "accounts", "roster", "vcard", "private" } }`
	mcfg := filepath.Join(pdir, "migrator.cfg.lua")
	os.WriteFile(mcfg, []byte(`input { type = "internal"; path = "`+data+`"; hosts = `+stores+` }
output { type = "xep0227"; hosts = `+stores+` }
`), 0o644)
	// "#!/usr/bin/env lua5.4" or "#!/usr/bin/lua5.4": the last word runs it.
	b, err := exec.Command(interp[len(interp)-1], copyPath, "--root", "--config", mcfg, "input", "output").CombinedOutput()
	if err != nil {
		t.Fatalf("prosody-migrator: %v\n%s", err, b)
	}
	for _, u := range []string{"alice", "bob", "carol"} {
		if _, err := os.Stat(filepath.Join(out, u+"@localhost.xml")); err != nil {
			t.Fatalf("prosody-migrator wrote no file for %s: %v\n%s", u, err, b)
		}
	}
}
