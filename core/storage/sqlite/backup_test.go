package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/storagetest"
)

// A backup taken while a server writes batches (another Store on the same
// file, as `switchboard backup` is another process) is the database as of
// one commit: it opens as a database, holds the account, and every batch
// in it whole, never part of one.
func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := openTest(t, filepath.Join(dir, "db.sqlite"), nil)
	if err := s.CreateAccount(ctx, storagetest.Account("localhost", "alice")); err != nil {
		t.Fatal(err)
	}
	const perBatch = 10
	var written atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for b := 0; ; b++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			var ops []storage.Op
			for i := range perBatch {
				ops = append(ops, storage.Op{Owner: "alice@localhost", Key: fmt.Sprintf("b%06d/%d", b, i), Value: []byte("v")})
			}
			if err := s.Batch(context.Background(), "mam", ops); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 20 {
		if len(done) > 0 {
			t.Fatal(<-done)
		}
	}
	backup := filepath.Join(dir, "backup.sqlite")
	err := openTest(t, filepath.Join(dir, "db.sqlite"), nil).Backup(ctx, backup)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	info, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		t.Errorf("backup mode %v, want no group or other access", info.Mode().Perm())
	}

	b := openTest(t, backup, nil)
	if _, err := b.Account(ctx, "localhost", "alice"); err != nil {
		t.Errorf("account in the backup: %v", err)
	}
	kvs, err := b.Scan(ctx, "mam", "alice@localhost", "", "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(kvs) == 0 || len(kvs)%perBatch != 0 {
		t.Errorf("the backup holds %d rows, not whole batches of %d", len(kvs), perBatch)
	}
	t.Logf("backup taken after %d batches holds %d", written.Load(), len(kvs)/perBatch)

	if err := s.Backup(ctx, backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v, want a refusal", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".backup.sqlite.*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
}
