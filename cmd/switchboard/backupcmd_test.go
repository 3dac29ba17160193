package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := func(a ...string) []string { return append(a, "--data-dir", dir) }
	if code := run(t.Context(), args("user", "add", "alice@localhost", "--password", "pw"), strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("user add: %s", stderr.String())
	}
	to := filepath.Join(t.TempDir(), "backup.db")
	if code := run(t.Context(), args("backup", "--to", to), strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(to); err != nil {
		t.Fatalf("no backup file: %v", err)
	}
	stdout.Reset()
	if code := run(t.Context(), []string{"user", "list", "--storage-dsn", to}, strings.NewReader(""), &stdout, &stderr); code != 0 || stdout.String() != "alice@localhost\n" {
		t.Errorf("the backup lists %q (exit %d, %s), want alice", stdout.String(), code, stderr.String())
	}

	stderr.Reset()
	code := run(t.Context(), []string{"backup", "--to", filepath.Join(dir, "x"), "--storage-driver", "postgres", "--storage-dsn", "host=127.0.0.1"}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "pg_dump") {
		t.Errorf("backup of a PostgreSQL store: exit %d, %q; want the pg_dump way named", code, stderr.String())
	}
}
