// Package sqlite is the embedded storage driver: a single SQLite file in WAL
// mode, through the pure-Go modernc.org/sqlite, so the server runs with no
// setup and no cgo.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/hashicorp/go-hclog"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// busyTimeoutMS is how long a connection waits for another process's lock
// (say `switchboard user add` while the server runs) before SQLITE_BUSY.
const busyTimeoutMS = 5000

// pageSize is SQLite's default page size, in which max_page_count counts.
const pageSize = 4096

// writerCacheKiB is the writer connection's page cache ceiling.
const writerCacheKiB = 64 << 10

// Store is a storage.Store backed by one SQLite file.
//
// All writes go through writer, a pool of exactly one connection: SQLite allows
// one writer at a time, and queueing writers in Go rather than in SQLite's busy
// handler means our own writes never fail with SQLITE_BUSY. Reads use a
// separate pool, which WAL lets run alongside the writer.
type Store struct {
	writer *sql.DB
	reader *sql.DB
	stmts  stmts
}

var _ storage.Store = (*Store)(nil)

// Options tune a Store.
type Options struct {
	// MaxBytes caps the database file (SQLite's max_page_count); writes
	// past it fail with storage.ErrFull, as on a full disk. 0: no cap.
	MaxBytes int64
}

// Open opens the database at path, creating it and its directory if missing,
// and applies any pending schema migrations. log may be nil.
func Open(ctx context.Context, path string, log hclog.Logger) (*Store, error) {
	return OpenWith(ctx, path, Options{}, log)
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opts Options, log hclog.Logger) (*Store, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving sqlite database path %q: %w", path, err)
	}
	created, err := createFile(abs)
	if err != nil {
		return nil, fmt.Errorf("creating sqlite database %q: %w", abs, err)
	}
	if created {
		log.Info("created database", "path", abs)
	}

	// synchronous=NORMAL in WAL mode still survives a crash of this process:
	// a committed transaction is in the WAL file, which the OS holds even if
	// we die. Only a power loss or kernel crash can drop the last commits
	// before a checkpoint syncs them, a trade SQLite's documentation
	// recommends for WAL; it saves an fsync per commit.
	params := url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeoutMS)},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"NORMAL"},
		"_foreign_keys": {"on"},
		// IMMEDIATE takes the write lock at BEGIN, so a transaction never
		// has to upgrade from reader to writer halfway, which is when
		// SQLite returns SQLITE_BUSY without consulting the busy timeout.
		"_txlock": {"immediate"},
		// SQLite's default page cache is 2 MiB. Writes land all over the
		// table (its key starts with the owner, so each account's records
		// sit together), and with a small cache every write first reads
		// its pages back from the file: the archive of a busy server spent
		// more time in pread than in anything else. This is a ceiling,
		// filled only as pages are used.
		"_pragma": {fmt.Sprintf("cache_size(-%d)", writerCacheKiB), "wal_autocheckpoint(10000)"},
	}
	if opts.MaxBytes > 0 {
		// The cap is per connection, so it goes in the DSN that every new
		// writer connection runs. SQLite counts it in pages, of its
		// default size unless the file was made otherwise.
		params.Add("_pragma", fmt.Sprintf("max_page_count(%d)", max(1, opts.MaxBytes/pageSize)))
	}
	writer, err := sql.Open("sqlite", dsn(abs, params))
	if err != nil {
		return nil, fmt.Errorf("opening sqlite database %q: %w", abs, err)
	}
	writer.SetMaxOpenConns(1)
	// Keeping the one connection open forever keeps the WAL index in memory
	// and avoids re-running the connection pragmas.
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)

	if err := migrate(ctx, writer, log); err != nil {
		writer.Close()
		return nil, fmt.Errorf("migrating sqlite database %q: %w", abs, err)
	}

	reader, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeoutMS)},
		"_foreign_keys": {"on"},
		"_query_only":   {"on"},
	}))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("opening sqlite database %q for reading: %w", abs, err)
	}
	reader.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("opening sqlite database %q for reading: %w", abs, err)
	}
	return &Store{writer: writer, reader: reader}, nil
}

// Close closes both pools. The writer goes last so that SQLite, on closing
// the final connection, checkpoints the WAL into the main file.
func (s *Store) Close() error {
	s.stmts.close()
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// createFile makes the database file and its directory if they do not exist,
// owner-only because the file holds SCRAM keys that allow an offline
// dictionary attack. It reports whether it created the file.
func createFile(path string) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, f.Close()
}

// dsn builds a file: URI so that any path, including one with '?' or '#',
// reaches SQLite intact.
func dsn(path string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: params.Encode()}
	return u.String()
}
