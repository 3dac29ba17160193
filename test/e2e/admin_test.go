package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

const adminToken = "e2e-admin-token-0123456789"

// TestAdminCommands: status, sessions, sessions --kick and broadcast
// reach a running server through its admin API, with the address and
// token of the configuration, and do what they say.
func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("listen:\n  admin: 127.0.0.1:0\nadmin:\n  token: "+adminToken+"\n"), 0o644)
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	url := srv.waitLog("serving the admin API")["url"].(string)
	srv.waitLog("server started")
	// The config names port 0; the commands are told the one it got.
	env := []string{"SWITCHBOARD_LISTEN_ADMIN=" + strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")}
	cli := func(args ...string) string {
		t.Helper()
		out, err := run(t, dir, env, "", append(args, "--config", cfg)...)
		if err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
		return out
	}

	alice, aliceJID := login(t, srv, "alice", "laptop")
	_, bobJID := login(t, srv, "bob", "phone")

	if out := cli("status"); !strings.Contains(out, "switchboard ") || !strings.Contains(out, "2 sessions") || !strings.Contains(out, "2 accounts") {
		t.Errorf("status said:\n%s", out)
	}
	out := cli("sessions")
	if !strings.Contains(out, aliceJID) || !strings.Contains(out, bobJID) || !strings.Contains(out, "127.0.0.1:") {
		t.Errorf("sessions listed:\n%s", out)
	}
	var list struct {
		Sessions []struct {
			JID    string
			Secure bool
		}
	}
	if err := json.Unmarshal([]byte(cli("sessions", "--json")), &list); err != nil || len(list.Sessions) != 2 || !list.Sessions[0].Secure {
		t.Errorf("sessions --json: %+v %v", list, err)
	}

	if out := cli("broadcast", "maintenance", "at", "noon"); !strings.Contains(out, "sent to 2 sessions") {
		t.Errorf("broadcast said %q", out)
	}
	m, err := alice.Expect(rawxmpp.Is("message"))
	if err != nil || m.SelectElement("body") == nil || m.SelectElement("body").Text() != "maintenance at noon" {
		t.Fatalf("alice got %v, %v; want the announcement", rawxmpp.Describe(m), err)
	}

	if out := cli("sessions", "--kick", aliceJID); !strings.Contains(out, "ended 1 sessions of "+aliceJID) {
		t.Errorf("sessions --kick said %q", out)
	}
	for {
		el, err := alice.Next()
		if err == rawxmpp.ErrStreamClosed {
			break
		}
		if err != nil {
			t.Fatalf("alice's stream: %v, want it closed", err)
		}
		if el.Tag == "error" && el.SelectElement("policy-violation") == nil {
			t.Fatalf("alice got %s, want policy-violation", rawxmpp.Describe(el))
		}
	}
	if out := cli("sessions"); strings.Contains(out, aliceJID) || !strings.Contains(out, bobJID) {
		t.Errorf("after the kick, sessions listed:\n%s", out)
	}

	// A wrong token is refused, and the command says so.
	out, err = run(t, dir, append(env, "SWITCHBOARD_ADMIN_TOKEN=not-the-token-0123456789"), "", "status", "--config", cfg)
	if err == nil || !strings.Contains(out, "401") {
		t.Errorf("status with a wrong token: %v %q; want a failure naming 401", err, out)
	}
}
