// Package pgtest gives a package's tests a PostgreSQL server, so that
// `go test ./...` runs the PostgreSQL tests on a fresh machine as it runs
// every other test: a package calls Main from its TestMain and DSN from each
// test that needs a database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-xmpp/switchboard/test/debian"
)

// setupHelp is what to run when no server can be found or made.
const setupHelp = "install Debian's postgresql once (as root: apt-get update && apt-get install -y postgresql), " +
	"or point the PG* environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) at a server " +
	"where that user may create schemas"

// childEnv marks the test binary that Main re-ran under pg_virtualenv, so
// that it never starts another cluster.
const childEnv = "SWITCHBOARD_PGTEST_CHILD"

// Main runs the tests of the package against a PostgreSQL server and exits
// with their status. The server is the one that the PG* environment
// variables name when PGHOST, PGPORT or PGSERVICE is set. Otherwise Main
// runs the test binary again under Debian's pg_virtualenv, which makes a
// throwaway cluster in a temporary directory, exports the PG* variables for
// it, and drops it afterwards; pg_virtualenv is installed first (apt-get)
// when it is missing and the tests run as root. Without a server the tests
// fail, saying what to run; they never skip.
func Main(m *testing.M) {
	os.Exit(Run(m.Run))
}

// Run is Main for a TestMain that does more than m.Run (builds a binary
// first, say): it calls tests against a PostgreSQL server found or made as
// Main does, and returns the exit status to pass to os.Exit.
func Run(tests func() int) int {
	// The marker has done its job once read; unset, it does not reach the
	// processes that the tests start (a server that refuses unknown
	// SWITCHBOARD_ variables).
	child := os.Getenv(childEnv) != ""
	os.Unsetenv(childEnv)
	if configured() {
		return tests()
	}
	if child {
		fmt.Fprintln(os.Stderr, "pgtest: pg_virtualenv exported no PGHOST; "+setupHelp)
		return 1
	}
	virtualenv, err := exec.LookPath("pg_virtualenv")
	if err != nil && os.Geteuid() == 0 {
		install()
		virtualenv, err = exec.LookPath("pg_virtualenv")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: no PostgreSQL server for the tests (PGHOST is unset) and no pg_virtualenv to make one: %v; %s\n", err, setupHelp)
		return 1
	}
	port, err := freePort()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: finding a port for the throwaway cluster: %v\n", err)
		return 1
	}
	// -t keeps the cluster in a temporary directory even as root, instead
	// of the system-wide "regress" cluster that a second test run at the
	// same time would collide with; the port is chosen for the same
	// reason.
	cmd := exec.Command(virtualenv, append([]string{"-t", "--"}, os.Args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1", "PGPORT="+strconv.Itoa(port))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	stopWithParent(cmd)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "pgtest: running the tests under pg_virtualenv: %v\n", err)
		return 1
	}
	return 0
}

// configured reports whether the environment names a server.
func configured() bool {
	for _, v := range []string{"PGHOST", "PGPORT", "PGSERVICE"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// install gets pg_virtualenv (postgresql-common) and a server to run with
// it, saying so since it takes a while the first time.
func install() {
	fmt.Fprintln(os.Stderr, "pgtest: installing Debian's postgresql for the PostgreSQL tests")
	if err := debian.Install(context.Background(), false, "postgresql"); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: installing postgresql failed: %v\n", err)
	}
}

// freePort returns a TCP port that nothing listens on at the moment.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DSN returns a DSN for an empty schema of its own on the test server,
// dropped when the test ends: the PG* variables name the server, and
// search_path the schema, in which a store creates its tables.
func DSN(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := NewSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Drop(ctx); err != nil {
			t.Error(err)
		}
	})
	return s.DSN()
}

// Schema is an empty schema of its own on the test server.
type Schema struct {
	name string
}

// NewSchema creates a schema with a random name on the server that the PG*
// variables name.
func NewSchema(ctx context.Context) (Schema, error) {
	conn, err := pgx.Connect(ctx, "")
	if err != nil {
		return Schema{}, fmt.Errorf("connecting to the test PostgreSQL server: %w; %s", err, setupHelp)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	s := Schema{name: "sbtest_" + hex.EncodeToString(b)}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+s.name); err != nil {
		return Schema{}, fmt.Errorf("creating schema %s for the test: %w", s.name, err)
	}
	return s, nil
}

// DSN is a keyword/value DSN that puts a store's tables in the schema; the
// PG* variables name the server.
func (s Schema) DSN() string {
	return "search_path=" + s.name
}

// Drop drops the schema and everything in it.
func (s Schema) Drop(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, "")
	if err != nil {
		return fmt.Errorf("connecting to drop schema %s: %w", s.name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+s.name+" CASCADE"); err != nil {
		return fmt.Errorf("dropping schema %s: %w", s.name, err)
	}
	return nil
}
