package e2e

import (
	"path/filepath"
	"testing"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestBackupWhileServing takes `switchboard backup` of a running server's
// SQLite database and serves the backup: the users log in with their
// passwords and find what they had stored before it was taken.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	keepSQLite(dir)
	srv := featureServerIn(t, dir)
	alice, _ := login(t, srv, "alice", "a")
	if r := iq(t, alice, "v", "<iq type='set' id='v'><vCard xmlns='vcard-temp'><FN>Alice Backup</FN></vCard></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("setting the vCard: %s", rawxmpp.Describe(r))
	}
	restored := t.TempDir()
	keepSQLite(restored)
	if out, err := run(t, dir, nil, "", "backup", "--to", filepath.Join(restored, "data", "switchboard.db")); err != nil {
		t.Fatalf("backup of the running server: %v\n%s", err, out)
	}
	// The server is still up and writing.
	if r := iq(t, alice, "v2", "<iq type='set' id='v2'><vCard xmlns='vcard-temp'><FN>After</FN></vCard></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("setting the vCard after the backup: %s", rawxmpp.Describe(r))
	}

	second := startServer(t, restored, nil, "--config", filepath.Join(dir, "switchboard.yaml"))
	second.waitLog("server started")
	alice, _ = login(t, second, "alice", "a")
	r := iq(t, alice, "g", "<iq type='get' id='g'><vCard xmlns='vcard-temp'/></iq>")
	if fn := r.FindElement("vCard/FN"); fn == nil || fn.Text() != "Alice Backup" {
		t.Errorf("alice's vCard on the backup: %s, want the one set before it", rawxmpp.Describe(r))
	}
}
