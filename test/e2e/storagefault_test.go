package e2e

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the same driver the server uses, to lock its file

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestLockedDatabaseIsAnErrorNotADrop holds the database's write lock from
// another process' point of view (as a backup tool or a stuck writer
// would) while a message to an offline user needs storing: the sender must
// get an error stanza, not silence, and the next message, once the lock is
// gone, is stored and delivered.
func TestLockedDatabaseIsAnErrorNotADrop(t *testing.T) {
	srv := featureServer(t)
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
	alice.Send("<iq type='get' to='localhost' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
	if _, err := alice.Expect(rawxmpp.ID("sync")); err != nil {
		t.Fatal(err)
	}
	bob, _ := login(t, srv, "bob", "b")
	if _, err := bob.Expect(isMsg("later")); err != nil {
		t.Fatalf("the message after the lock was released: %v", err)
	}
}
