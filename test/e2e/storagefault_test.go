package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	_ "modernc.org/sqlite" // the same driver the server uses, to lock its file

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestLockedDatabaseIsAnErrorNotADrop holds the database's write lock from
// another process' point of view (as a backup tool or a stuck writer
// would) while a message to an offline user needs storing: the sender must
// get an error stanza, not silence, and the next message, once the lock is
// gone, is stored and delivered.
func TestLockedDatabaseIsAnErrorNotADrop(t *testing.T) {
	dir := t.TempDir()
	keepSQLite(dir)
	srv := featureServerIn(t, dir)
	alice, _ := login(t, srv, "alice", "a")

	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.dir, "data", "switchboard.db")+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	alice.Timeout = 30 * time.Second
	alice.Send("<message to='bob@localhost' type='chat' id='locked'><body>kept?</body></message>")
	el, err := alice.Expect(rawxmpp.ID("locked"))
	if err != nil {
		t.Fatalf("no answer while the database was locked: %v", err)
	}
	if el.SelectAttrValue("type", "") != "error" {
		t.Fatalf("while locked: %s, want an error", rawxmpp.Describe(el))
	}
	t.Logf("with the database locked the sender got: %s", rawxmpp.Describe(el.SelectElement("error")))
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	alice.Send("<message to='bob@localhost' type='chat' id='later'><body>stored</body></message>")
	// Processed after the message to the same entity (RFC 6120 §10.1): its
	// answer proves the message stored.
	alice.Send("<iq type='get' to='bob@localhost' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
	if _, err := alice.Expect(rawxmpp.ID("sync")); err != nil {
		t.Fatal(err)
	}
	bob, _ := login(t, srv, "bob", "b")
	if _, err := bob.Expect(isMsg("later")); err != nil {
		t.Fatalf("the message after the lock was released: %v", err)
	}
}

// TestFullDatabaseIsAnErrorNotADrop fills the database (capped with
// storage.max_size, which fails writes as a full disk does) with messages
// for an offline user: each message is either stored, and delivered when
// the user comes online, or answered with resource-constraint; none
// vanishes, and the sender stays connected throughout.
func TestFullDatabaseIsAnErrorNotADrop(t *testing.T) {
	dir := t.TempDir()
	keepSQLite(dir)
	cfg := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(cfg, []byte("storage:\n  max_size: 1048576\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	alice, _ := login(t, srv, "alice", "a")
	alice.Timeout = 30 * time.Second

	body := strings.Repeat("x", 32<<10)
	stored := 0
	var refused *etree.Element
	for i := 0; i < 100 && refused == nil; i++ {
		alice.Sendf("<message to='bob@localhost' type='chat' id='m%d'><body>%s</body></message>", i, body)
		// Stanzas from one stream to the same entity are handled in order
		// (RFC 6120 §10.1): an error for the message comes before the
		// answer to the ping to bob's bare JID sent after it.
		alice.Sendf("<iq type='get' to='bob@localhost' id='p%d'><ping xmlns='urn:xmpp:ping'/></iq>", i)
		for {
			el, err := alice.Next()
			if err != nil {
				t.Fatalf("after message %d: %v", i, err)
			}
			id := el.SelectAttrValue("id", "")
			if id == fmt.Sprintf("m%d", i) && el.SelectAttrValue("type", "") == "error" {
				refused = el
				continue
			}
			if id == fmt.Sprintf("p%d", i) {
				break
			}
		}
		if refused == nil {
			stored++
		}
	}
	if refused == nil {
		t.Fatalf("100 messages of 32 KiB fitted in a 1 MiB database")
	}
	cond := refused.FindElement("error/*")
	if cond == nil || cond.Tag != "resource-constraint" || refused.FindElement("error").SelectAttrValue("type", "") != "wait" {
		t.Fatalf("a message that did not fit: %s, want a resource-constraint error of type wait", rawxmpp.Describe(refused))
	}
	t.Logf("%d messages of 32 KiB stored before the database was full; the next got %s", stored, rawxmpp.Describe(refused.FindElement("error")))

	bob, _ := login(t, srv, "bob", "b")
	for i := range stored {
		if _, err := bob.Expect(isMsg(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatalf("stored message m%d not delivered: %v", i, err)
		}
	}
}
