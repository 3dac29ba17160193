package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mellium.im/sasl"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestNewUser walks the README as a new user: create accounts with the
// CLI, start the server on its defaults, log in with a stock client library
// in every supported way, exchange a message, and stop with SIGTERM.
func TestNewUser(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, dir, nil, "", "user", "add", "alice@localhost", "--password", "wonderland"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	if out, err := run(t, dir, nil, "looking-glass\n", "user", "add", "bob@localhost", "--password", "-"); err != nil {
		t.Fatalf("user add with password on stdin: %v\n%s", err, out)
	}
	out, err := run(t, dir, nil, "", "user", "list")
	if err != nil || out != "alice@localhost\nbob@localhost\n" {
		t.Fatalf("user list = %q, %v", out, err)
	}
	_, err = os.Stat(filepath.Join(dir, "data", "switchboard.db"))
	switch {
	case suiteStorage.postgres && err == nil:
		t.Fatalf("a SQLite database was created under ./data with the suite on PostgreSQL")
	case !suiteStorage.postgres && err != nil:
		t.Fatalf("database not created under ./data: %v", err)
	}

	srv := startServer(t, dir, nil)
	srv.waitLog("generated a self-signed TLS certificate")

	alice := melliumLogin(t, srv.starttls, false, "alice", "wonderland", sasl.ScramSha256)
	bob := melliumLogin(t, srv.starttls, false, "bob", "looking-glass", sasl.Plain)
	sendPresence(t, alice)
	sendPresence(t, bob)
	aliceJID, bobJID := alice.LocalAddr().String(), bob.LocalAddr().String()
	alice.sendChat(t, "bob@localhost", "hello from alice")
	defer func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	}()
	bob.expectChat(t, aliceJID, "hello from alice")
	bob.sendChat(t, aliceJID, "hello back")
	alice.expectChat(t, bobJID, "hello back")

	t.Run("direct TLS with SCRAM-SHA-256-PLUS", func(t *testing.T) {
		c := melliumLogin(t, srv.direct, true, "alice", "wonderland", sasl.ScramSha256Plus)
		if got := c.LocalAddr().Bare().String(); got != "alice@localhost" {
			t.Errorf("bound %s", got)
		}
	})
	t.Run("wrong password is refused", func(t *testing.T) {
		c, err := rawxmpp.Dial(srv.starttls)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Conn.Close()
		if err := c.OpenStream("localhost"); err != nil {
			t.Fatal(err)
		}
		if err := c.StartTLS("localhost"); err != nil {
			t.Fatal(err)
		}
		if err := c.AuthSCRAM("localhost", "alice", "guess", false); err == nil || !strings.Contains(err.Error(), "not-authorized") {
			t.Fatalf("login with a wrong password: %v, want not-authorized", err)
		}
	})

	raw, _, err := rawxmpp.Login(srv.starttls, "localhost", "bob", "looking-glass", "raw")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("server exit after SIGTERM: %v", err)
	}
	el, err := raw.Expect(rawxmpp.Is("error"))
	if err != nil || el.SelectElement("system-shutdown") == nil {
		t.Fatalf("on SIGTERM got %s, %v; want system-shutdown", rawxmpp.Describe(el), err)
	}
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	steps := []struct {
		args    []string
		stdin   string
		wantErr string
		wantOut string
	}{
		{args: []string{"user", "add", "carol@localhost", "--password", "one"}, wantOut: "carol@localhost: created"},
		{args: []string{"user", "add", "carol@localhost", "--password", "two"}, wantErr: "already exists"},
		{args: []string{"user", "add", "dave@example.org", "--password", "x"}, wantErr: "is not on a domain this server hosts"},
		{args: []string{"user", "add", "eve@localhost"}, wantErr: "--password is required"},
		{args: []string{"user", "passwd", "carol@localhost", "--password", "-"}, stdin: "three\n", wantOut: "password changed"},
		{args: []string{"user", "del", "carol@localhost"}, wantOut: "carol@localhost: deleted"},
		{args: []string{"user", "del", "carol@localhost"}, wantErr: "not found"},
	}
	for _, st := range steps {
		out, err := run(t, dir, nil, st.stdin, st.args...)
		if st.wantErr != "" {
			var ee *exec.ExitError
			if !errors.As(err, &ee) || !strings.Contains(out, st.wantErr) {
				t.Errorf("%v: %v %q, want failure mentioning %q", st.args, err, out, st.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out, st.wantOut) {
			t.Errorf("%v: %v %q, want %q", st.args, err, out, st.wantOut)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("domain: example.org\nlimits:\n  max_stanza_bytes: 65536\n"), 0o644)
	os.WriteFile(bad, []byte("domain: example.org\nlimits:\n  max_stanza_byte: 65536\nauth:\n  max_failures: 9\n"), 0o644)
	if out, err := run(t, dir, nil, "", "config", "check", "--config", good); err != nil || !strings.Contains(out, "OK") {
		t.Errorf("config check good.yaml: %v %q", err, out)
	}
	out, err := run(t, dir, nil, "", "config", "check", "--config", bad)
	if err == nil || !strings.Contains(out, "limits.max_stanza_byte") || !strings.Contains(out, "limits.max_stanza_bytes") {
		t.Errorf("config check bad.yaml: %v %q; want the bad key and a suggestion", err, out)
	}
	example, _ := filepath.Abs("../../switchboard.example.yaml")
	if out, err := run(t, dir, nil, "", "config", "check", "--config", example); err != nil {
		t.Errorf("the example configuration does not check: %v %q", err, out)
	}
}
