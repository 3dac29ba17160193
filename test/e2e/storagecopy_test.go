package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage/postgres/pgtest"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestStorageCopyRoundTrip fills a SQLite store through XMPP (an account
// registered in-band, a roster, a vCard, private XML, a message kept
// offline and archived), copies it to PostgreSQL (twice: a rerun is
// safe) and back into a new SQLite file, and serves the copy: the users
// log in with their passwords and find all of it there.
func TestStorageCopyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	keepSQLite(dir)
	srv := featureServerIn(t, dir)
	register(t, srv, "dave")
	dave, _ := login(t, srv, "dave", "d")
	for _, set := range []string{
		"<iq type='set' id='r'><query xmlns='jabber:iq:roster'><item jid='alice@localhost' name='Alice'><group>Friends</group></item></query></iq>",
		"<iq type='set' id='v'><vCard xmlns='vcard-temp'><FN>Dave Copy</FN></vCard></iq>",
		"<iq type='set' id='p'><query xmlns='jabber:iq:private'><note xmlns='x:dave'>kept privately</note></query></iq>",
	} {
		id := strings.SplitN(strings.SplitN(set, "id='", 2)[1], "'", 2)[0]
		if r := iq(t, dave, id, "%s", set); r.SelectAttrValue("type", "") != "result" {
			t.Fatalf("%s: %s", set, rawxmpp.Describe(r))
		}
	}
	dave.Send("<message to='bob@localhost' type='chat' id='away'><body>while you were away</body></message>")
	iq(t, dave, "sync", "<iq type='get' to='bob@localhost' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
	sent, _ := archiveIDs(t, dave, "a", "")
	if len(sent) != 1 {
		t.Fatalf("dave's archive before the copy: %q, want the message to bob", sent)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("stopping the server: %v", err)
	}

	cluster := pgtest.NewCluster(t)
	source := "sqlite:" + filepath.Join(dir, "data", "switchboard.db")
	for range 2 {
		out, err := run(t, dir, cluster.Env(), "", "storage", "copy", "--from", source, "--to", "postgres://")
		if err != nil || !strings.Contains(out, "copied and verified: 4 accounts") || !strings.Contains(out, "100%") {
			t.Fatalf("storage copy to PostgreSQL: %v\n%s", err, out)
		}
	}
	back := t.TempDir()
	keepSQLite(back)
	out, err := run(t, back, cluster.Env(), "", "storage", "copy", "--from", "postgres://", "--to", "sqlite:data/switchboard.db")
	if err != nil || !strings.Contains(out, "copied and verified: 4 accounts") {
		t.Fatalf("storage copy back to SQLite: %v\n%s", err, out)
	}
	t.Log(out)

	copied := startServer(t, back, nil, "--config", filepath.Join(dir, "switchboard.yaml"))
	copied.waitLog("server started")
	dave, _ = login(t, copied, "dave", "d")
	r := iq(t, dave, "r", "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>")
	if item := r.FindElement("query/item[@jid='alice@localhost']"); item == nil || item.SelectAttrValue("name", "") != "Alice" || item.FindElement("group") == nil {
		t.Errorf("dave's roster on the copy: %s", rawxmpp.Describe(r))
	}
	r = iq(t, dave, "v", "<iq type='get' id='v'><vCard xmlns='vcard-temp'/></iq>")
	if fn := r.FindElement("vCard/FN"); fn == nil || fn.Text() != "Dave Copy" {
		t.Errorf("dave's vCard on the copy: %s", rawxmpp.Describe(r))
	}
	r = iq(t, dave, "p", "<iq type='get' id='p'><query xmlns='jabber:iq:private'><note xmlns='x:dave'/></query></iq>")
	if n := r.FindElement("query/note"); n == nil || n.Text() != "kept privately" {
		t.Errorf("dave's private XML on the copy: %s", rawxmpp.Describe(r))
	}
	if got, _ := archiveIDs(t, dave, "a", ""); !slices.Equal(got, sent) {
		t.Errorf("dave's archive on the copy: %q, want %q", got, sent)
	}
	bob, _ := login(t, copied, "bob", "b")
	bob.Send("<presence/>")
	el, err := bob.Expect(isMsg("away"))
	if err != nil {
		t.Fatalf("bob's offline message on the copy: %v", err)
	}
	if ids, _ := archiveIDs(t, bob, "b", ""); !slices.Equal(ids, []string{stanzaIDOf(el, "bob@localhost")}) {
		t.Errorf("bob's archive on the copy: %q, want the offline message's id", ids)
	}
}
