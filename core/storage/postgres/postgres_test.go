package postgres

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/postgres/pgtest"
	"github.com/switchboard-xmpp/switchboard/core/storage/storagetest"
)

func TestMain(m *testing.M) {
	pgtest.Main(m)
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return openTest(t, pgtest.DSN(t), hclog.NewNullLogger())
	})
}

func TestReopen(t *testing.T) {
	dsn := pgtest.DSN(t)
	storagetest.Reopen(t, func() (storage.Store, error) { return Open(t.Context(), dsn, Options{}, nil) })
}

func TestBulk(t *testing.T) {
	storagetest.RunBulk(t, func(t *testing.T) storage.Bulk {
		return openTest(t, pgtest.DSN(t), hclog.NewNullLogger())
	})
}

func openTest(t *testing.T, dsn string, log hclog.Logger) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, Options{}, log)
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

func TestMigrationsAppliedOnce(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.DSN(t)
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Info})
	s := openTest(t, dsn, log)
	if !strings.Contains(buf.String(), "applied schema migration") {
		t.Errorf("first Open did not log the applied migration; log:\n%s", buf.String())
	}
	buf.Reset()
	openTest(t, dsn, log)
	if again := buf.String(); again != "" {
		t.Errorf("reopening logged:\n%s", again)
	}
	if err := migrate(ctx, s.pool, hclog.NewNullLogger()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var versions, max int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&versions, &max); err != nil {
		t.Fatalf("reading schema_migrations: %v", err)
	}
	if want := len(migrations()); versions != want || max != want {
		t.Errorf("schema_migrations has %d rows up to %d, want %d up to %d", versions, max, want, want)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.DSN(t)
	s := openTest(t, dsn, nil)
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, len(migrations())+1); err != nil {
		t.Fatalf("inserting future version: %v", err)
	}
	_, err := Open(ctx, dsn, Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "newer than this build supports") {
		t.Errorf("Open of newer schema: err = %v, want a schema version error", err)
	}
}

// TestScanUsesPrimaryKey guards against a prefix scan that reads the whole
// table: the plan must walk the primary key with the key range as its
// condition, never sort.
func TestScanUsesPrimaryKey(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, pgtest.DSN(t), nil)
	var ops []storage.Op
	for i := range 2000 {
		ops = append(ops, storage.Op{Owner: fmt.Sprintf("u%d@localhost", i%50), Key: fmt.Sprintf("msg/%04d", i), Value: []byte("v")})
	}
	if err := s.Batch(ctx, "ns", ops); err != nil {
		t.Fatal(err)
	}
	// On a table this small the planner rightly prefers reading it all;
	// what matters is that it can walk the index in key order, which it
	// then must when told that everything else costs too much.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		after   string
		reverse bool
	}{{"", false}, {"msg/0500", false}, {"msg/0500", true}} {
		query, args := scanQuery("ns", "u1@localhost", "msg/", tt.after, 10, tt.reverse)
		rows, err := conn.Query(ctx, "EXPLAIN "+query, args...)
		if err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		rows.Close()
		got := plan.String()
		if !strings.Contains(got, "Index Scan") || !strings.Contains(got, "kv_pkey") || !strings.Contains(got, "(key >") {
			t.Errorf("plan for %+v does not walk the primary key by key range:\n%s", tt, got)
		}
		if strings.Contains(got, "Sort") {
			t.Errorf("plan for %+v sorts instead of walking the index:\n%s", tt, got)
		}
	}
}

// Open names what failed, so that an operator knows what to fix.
func TestOpenNamesTheFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	tests := []struct {
		name, dsn, want string
	}{
		{"host unreachable", fmt.Sprintf("host=127.0.0.1 port=%d", closed), "host unreachable"},
		{"auth failed", "password=wrong", "authentication failed"},
		{"database missing", "dbname=switchboard_missing", "the database does not exist"},
		{"bad dsn", "postgres://%zz", "parsing storage.dsn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(t.Context(), tt.dsn, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check(%q) = %v, want an error saying %q", tt.dsn, err, tt.want)
			}
			if _, err := Open(t.Context(), tt.dsn, Options{}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q) = %v, want an error saying %q", tt.dsn, err, tt.want)
			}
		})
	}
	if err := Check(t.Context(), "", Options{}); err != nil {
		t.Errorf("Check of the test server: %v", err)
	}
}

// A connection that the server dropped (a restart, a terminated backend)
// costs the caller nothing: the store retries on a fresh one, and says so
// in the log.
func TestLostConnectionIsRetried(t *testing.T) {
	ctx := t.Context()
	app := "switchboard_test_lost"
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Warn})
	s := openTest(t, pgtest.DSN(t)+" application_name="+app, log)
	if err := s.Put(ctx, "ns", "", "before", []byte("v")); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	if err := admin.QueryRow(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("terminating the store's connections: %d terminated, %v", killed, err)
	}
	// pg_terminate_backend only signals; wait until the backends are gone.
	deadline := time.Now().Add(10 * time.Second)
	for left := 1; left > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d terminated backends still running", left)
		}
		if err := admin.QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&left); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, "ns", "", "after", []byte("v")); err != nil {
		t.Fatalf("Put after the server dropped the connection: %v", err)
	}
	if v, err := s.Get(ctx, "ns", "", "after"); err != nil || string(v) != "v" {
		t.Errorf("Get after the retried Put = %q, %v", v, err)
	}
	if !strings.Contains(buf.String(), "database connection lost, retrying") {
		t.Errorf("the retry was not logged; log:\n%s", buf.String())
	}
}
