package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage/postgres/pgtest"
)

// storageEnv names the storage driver that the suite's servers and
// commands use: unset or "sqlite", the default; "postgres", a PostgreSQL
// server (the one the PG* variables name, or a throwaway cluster that
// pg_virtualenv makes, as for core/storage/postgres's tests).
const storageEnv = "SWITCHBOARD_E2E_STORAGE"

// databases hands each server directory a database of its own when the
// suite runs on PostgreSQL: a schema, made on first use and dropped when
// the suite ends. A directory the test keeps on SQLite maps to nothing.
type databases struct {
	postgres bool

	mu      sync.Mutex
	byDir   map[string]string // directory → DSN; "" keeps SQLite
	schemas []pgtest.Schema
}

// suiteStorage is the suite's storage, set by TestMain before any test
// runs, like binary.
var suiteStorage = &databases{}

// runSuite runs the tests on the driver that storageEnv names.
func runSuite(tests func() int) int {
	d := os.Getenv(storageEnv)
	// Unset in the process that runs the tests (after pgtest's rerun
	// under pg_virtualenv inherited it): the servers refuse a SWITCHBOARD_
	// variable they do not know.
	switch d {
	case "", "sqlite":
		os.Unsetenv(storageEnv)
		return tests()
	case "postgres":
		return pgtest.Run(func() int {
			os.Unsetenv(storageEnv)
			suiteStorage.postgres = true
			code := tests()
			if err := suiteStorage.drop(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return max(code, 1)
			}
			return code
		})
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want sqlite or postgres\n", storageEnv, d)
		return 2
	}
}

// keepSQLite has the servers and commands run in dir use SQLite whatever
// the suite's driver: for a test of what only SQLite does (its file, its
// lock, its size cap).
func keepSQLite(dir string) {
	suiteStorage.mu.Lock()
	defer suiteStorage.mu.Unlock()
	if suiteStorage.byDir == nil {
		suiteStorage.byDir = map[string]string{}
	}
	suiteStorage.byDir[dir] = ""
}

// env adds to a command's environment the storage settings for dir, unless
// the test set a driver itself.
func (d *databases) env(t testing.TB, dir string, env []string) []string {
	t.Helper()
	if !d.postgres {
		return env
	}
	for _, e := range env {
		if strings.HasPrefix(e, "SWITCHBOARD_STORAGE_DRIVER=") {
			return env
		}
	}
	dsn, err := d.dsn(dir)
	if err != nil {
		t.Fatal(err)
	}
	if dsn == "" {
		return env
	}
	return append([]string{"SWITCHBOARD_STORAGE_DRIVER=postgres", "SWITCHBOARD_STORAGE_DSN=" + dsn}, env...)
}

func (d *databases) dsn(dir string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dsn, ok := d.byDir[dir]; ok {
		return dsn, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := pgtest.NewSchema(ctx)
	if err != nil {
		return "", err
	}
	if d.byDir == nil {
		d.byDir = map[string]string{}
	}
	d.byDir[dir] = s.DSN()
	d.schemas = append(d.schemas, s)
	return s.DSN(), nil
}

func (d *databases) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, s := range d.schemas {
		errs = append(errs, s.Drop(ctx))
	}
	return errors.Join(errs...)
}
