package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), hclog.NewNullLogger())
	})
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "db.sqlite")
	storagetest.Reopen(t, func() (storage.Store, error) { return Open(t.Context(), path, nil) })
}

func TestBulk(t *testing.T) {
	storagetest.RunBulk(t, func(t *testing.T) storage.Bulk {
		return openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), hclog.NewNullLogger())
	})
}

func openTest(t *testing.T, path string, log hclog.Logger) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// bufferLogger returns a logger whose output the test can read.
func bufferLogger() (hclog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Info}), &buf
}

func TestOpenCreatesFileOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "db.sqlite")
	log, buf := bufferLogger()
	s, err := Open(t.Context(), path, log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	first := buf.String()
	if !strings.Contains(first, "created database") || !strings.Contains(first, path) {
		t.Errorf("first Open did not log the created path; log:\n%s", first)
	}
	if !strings.Contains(first, "applied schema migration") {
		t.Errorf("first Open did not log the applied migration; log:\n%s", first)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("database file: %v", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("database file mode = %v, want no group or other access", perm)
	}

	buf.Reset()
	openTest(t, path, log)
	if again := buf.String(); again != "" {
		t.Errorf("reopening logged:\n%s", again)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s := openTest(t, path, hclog.NewNullLogger())
	// Running the migrations again on the open database must be a no-op.
	if err := migrate(ctx, s.writer, hclog.NewNullLogger()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var versions, max int
	if err := s.reader.QueryRowContext(ctx,
		`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&versions, &max); err != nil {
		t.Fatalf("reading schema_migrations: %v", err)
	}
	if want := len(migrations()); versions != want || max != want {
		t.Errorf("schema_migrations has %d rows up to %d, want %d up to %d", versions, max, want, want)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s, err := Open(ctx, path, hclog.NewNullLogger())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	future := len(migrations()) + 1
	if _, err := s.writer.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, future); err != nil {
		t.Fatalf("inserting future version: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err = Open(ctx, path, hclog.NewNullLogger())
	if err == nil || !strings.Contains(err.Error(), "newer than this build supports") {
		t.Errorf("Open of newer schema: err = %v, want a schema version error", err)
	}
}

func TestOpenFailsOnNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 100), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path, hclog.NewNullLogger())
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Open of a non-database: err = %v, want an error naming the path", err)
	}
}

func TestPathWithURICharacters(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "odd ?#% dir", "db.sqlite")
	s := openTest(t, path, hclog.NewNullLogger())
	if err := s.Put(ctx, "ns", "", "k", []byte("v")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the given path: %v", err)
	}
}

func TestJournalModeWAL(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), hclog.NewNullLogger())
	var mode string
	if err := s.reader.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatalf("PRAGMA journal_mode: %v", err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

// TestScanUsesPrimaryKey guards against a prefix scan that reads the whole
// table: the plan must be a SEARCH on the primary key with a key range.
func TestScanUsesPrimaryKey(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), hclog.NewNullLogger())
	tests := []struct {
		prefix, after string
		reverse       bool
	}{
		{"msg/", "", false},
		{"msg/", "msg/5", false},
		{"msg/", "msg/5", true},
	}
	for _, tt := range tests {
		query, args := scanQuery("ns", "alice@localhost", tt.prefix, tt.after, 10, tt.reverse)
		rows, err := s.reader.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatalf("reading plan: %v", err)
			}
			plan.WriteString(detail + "\n")
		}
		rows.Close()
		got := plan.String()
		if !strings.Contains(got, "SEARCH kv USING PRIMARY KEY (owner=? AND ns=? AND key>? AND key<?)") {
			t.Errorf("plan for %+v does not search a key range on the primary key:\n%s", tt, got)
		}
		if strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("plan for %+v sorts instead of walking the index:\n%s", tt, got)
		}
	}
}

// A database at its cap refuses writes with storage.ErrFull, as a full
// disk does, keeps what it holds, and takes writes again once space is
// freed.
func TestMaxBytesFillsUpWithErrFull(t *testing.T) {
	s, err := OpenWith(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"), Options{MaxBytes: 1 << 20}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	value := bytes.Repeat([]byte("x"), 16<<10)
	var stored int
	for ; stored < 200; stored++ {
		err = s.Put(ctx, "offline", "bob@localhost", fmt.Sprintf("m%03d", stored), value)
		if err != nil {
			break
		}
	}
	if !errors.Is(err, storage.ErrFull) {
		t.Fatalf("after %d values of 16 KiB under a 1 MiB cap: err = %v, want ErrFull", stored, err)
	}
	if stored == 0 || stored*len(value) > 1<<20 {
		t.Fatalf("%d values of 16 KiB fitted under a 1 MiB cap", stored)
	}
	kvs, err := s.Scan(ctx, "offline", "bob@localhost", "", "", 0, false)
	if err != nil || len(kvs) != stored {
		t.Fatalf("after the database filled up: %d values readable (err %v), want the %d stored", len(kvs), err, stored)
	}
	batch := []storage.Op{{Owner: "bob@localhost", Key: "b1", Value: value}, {Owner: "bob@localhost", Key: "b2", Value: value}}
	if err := s.Batch(ctx, "offline", batch); !errors.Is(err, storage.ErrFull) {
		t.Fatalf("a batch into a full database: err = %v, want ErrFull", err)
	}
	for i := range 4 {
		if err := s.Delete(ctx, "offline", "bob@localhost", fmt.Sprintf("m%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, "offline", "bob@localhost", "again", value); err != nil {
		t.Fatalf("after freeing space: %v", err)
	}
}
