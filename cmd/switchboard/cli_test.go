package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// runIn runs a command line in an empty working directory, as someone
// trying the binary for the first time would, and returns its status and
// output, failing if the command left any file behind.
func runIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("SWITCHBOARD_CONFIG", "")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("%q left %d files in the working directory (%s…)", args, len(entries), entries[0].Name())
	}
	return code, stdout.String(), stderr.String()
}

// TestHelpExitsZeroAndCreatesNothing: every way of asking for help prints
// the command's own help on stdout, exits 0, and creates no file (user
// --help created ./data/switchboard.db).
func TestHelpExitsZeroAndCreatesNothing(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		want, omit []string
	}{
		{[]string{"--help"}, []string{"switchboard serve", "switchboard version"}, nil},
		{[]string{"help"}, []string{"switchboard user add"}, nil},
		{[]string{"help", "user"}, []string{"unlock JID", "passwd JID"}, nil},
		{[]string{"user", "--help"}, []string{"unlock JID"}, nil},
		{[]string{"user", "add", "--help"}, []string{"--password", "--config", "--data-dir"}, []string{"--listen-c2s"}},
		{[]string{"help", "user", "del"}, []string{"user del JID", "--config"}, []string{"--password", "--listen-c2s"}},
		{[]string{"serve", "--help"}, []string{"--listen-c2s", "--config", "SIGHUP"}, []string{"--password"}},
		{[]string{"help", "serve"}, []string{"--listen-c2s"}, nil},
		{[]string{"config", "check", "--help"}, []string{"--config", "--listen-c2s"}, nil},
		{[]string{"config", "--help"}, []string{"config check"}, nil},
		{[]string{"plugin", "--help"}, []string{"plugin list"}, nil},
		{[]string{"plugin", "list", "-h"}, []string{"--config"}, []string{"--password"}},
		{[]string{"bench", "--help"}, []string{"--users"}, nil},
		{[]string{"help", "bench"}, []string{"--users"}, nil},
		{[]string{"version", "--help"}, []string{"switchboard version"}, nil},
		{[]string{"storage", "--help"}, []string{"storage copy --from URL"}, nil},
		{[]string{"storage", "copy", "--help"}, []string{"--from", "--to"}, []string{"--config"}},
		{[]string{"help", "backup"}, []string{"--to", "--data-dir"}, []string{"--listen-c2s"}},
		{[]string{"storage", "migrate", "--help"}, []string{"schema migrations", "--storage-dsn"}, []string{"--listen-c2s"}},
		{[]string{"status", "--help"}, []string{"switchboard status", "admin.token", "--json", "--config"}, []string{"--kick", "--listen-c2s", "--data-dir"}},
		{[]string{"help", "sessions"}, []string{"--kick", "--json", "policy-violation"}, []string{"--listen-c2s", "--data-dir"}},
		{[]string{"broadcast", "-h"}, []string{"switchboard broadcast", "MESSAGE", "--config"}, []string{"--kick", "--json", "--data-dir"}},
		{[]string{"--help"}, []string{"switchboard status", "switchboard sessions [--kick JID]", "switchboard broadcast MESSAGE"}, nil},
	} {
		code, stdout, stderr := runIn(t, tc.args...)
		if code != 0 || stderr != "" {
			t.Errorf("%q: exit %d, stderr %q; want 0 and nothing on stderr", tc.args, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%q: help does not mention %q:\n%s", tc.args, w, stdout)
			}
		}
		for _, o := range tc.omit {
			if strings.Contains(stdout, o) {
				t.Errorf("%q: help lists %q, which is another command's", tc.args, o)
			}
		}
	}
}

// TestVersion: version and --version say what was built.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := runIn(t, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "switchboard ") || !strings.Contains(stdout, "commit ") || !strings.Contains(stdout, runtime.Version()) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want the version, commit and Go version", args, code, stdout, stderr)
		}
	}
}

// TestMistakesExitTwo: a command line the binary does not understand is
// refused with status 2, a pointer to the help, and no file created.
func TestMistakesExitTwo(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"user"}, "expected add"},
		{[]string{"user", "ad", "alice"}, `unknown subcommand "ad"`},
		{[]string{"user", "add", "--pasword", "x", "alice"}, "unknown flag: --pasword"},
		{[]string{"user", "del", "--password", "x", "alice"}, "unknown flag: --password"},
		{[]string{"serve", "--no-such-flag"}, "see switchboard help serve"},
		{[]string{"config"}, "expected check"},
		{[]string{"version", "extra"}, "takes no arguments"},
		{[]string{"storage", "move"}, "expected copy"},
		{[]string{"storage", "migrate", "extra"}, "takes no arguments"},
		{[]string{"storage", "copy", "--from", "sqlite:x"}, "expected --from URL --to URL"},
		{[]string{"backup"}, "expected --to FILE"},
		{[]string{"status", "extra"}, "status: takes no arguments"},
		{[]string{"sessions", "--kik", "a@b"}, "unknown flag: --kik"},
		{[]string{"broadcast"}, "expected the message to send"},
		{[]string{"broadcast", " "}, "expected the message to send"},
	} {
		code, _, stderr := runIn(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestStorageMigrate: storage migrate brings a new store to this build's
// schema and exits; a second run finds nothing to do and says so too.
func TestStorageMigrate(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"storage", "migrate", "--data-dir", dir, "--log-level", "warn"}, strings.NewReader(""), &stdout, &stderr)
		if code != 0 || !strings.Contains(stdout.String(), "sqlite store: schema up to date") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "switchboard.db")); err != nil {
		t.Errorf("no database made: %v", err)
	}
}
