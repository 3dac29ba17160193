package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// config check tries the PostgreSQL connection and names what failed; the
// driver's tests cover each failure against a real server.
func TestConfigCheckTriesPostgres(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dsn := "postgres://switchboard@" + l.Addr().String() + "/xmpp"
	l.Close()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"config", "check", "--storage-driver", "postgres", "--storage-dsn", dsn}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "storage: connecting to postgres") || !strings.Contains(stderr.String(), "host unreachable") {
		t.Errorf("config check with an unreachable database: exit %d, stderr %q; want 1 and a message naming the unreachable host", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "OK") {
		t.Errorf("config check said OK with an unreachable database: %q", stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	if code := run(t.Context(), []string{"config", "check", "--data-dir", t.TempDir()}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "OK") {
		t.Errorf("config check of the defaults: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
