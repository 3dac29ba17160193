package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// xmppjsHelp is what a developer runs once to give this test its client;
// the test runs npm ci itself when the packages are missing.
const xmppjsHelp = "install it once from the repository root: npm ci --prefix test/e2e/xmppjs"

// requireXmppjs finds node and the pinned @xmpp/client, installing the
// package with npm ci when it is missing; it fails, never skips, when
// something is still missing.
func requireXmppjs(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found: %v; apt-get install -y nodejs npm, then %s", err, xmppjsHelp)
	}
	pkg := filepath.Join("xmppjs", "node_modules", "@xmpp", "client", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		t.Log("setting up the xmpp.js test: npm ci")
		cmd := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		cmd.Dir = "xmppjs"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("npm ci failed: %v\n%s", err, out)
		}
	}
	if _, err := os.Stat(pkg); err != nil {
		t.Fatalf("@xmpp/client missing: %v; %s", err, xmppjsHelp)
	}
	return node
}

type xmppjsEvent struct {
	Event     string   `json:"event"`
	Mechanism string   `json:"mechanism"`
	Inline    []string `json:"inline"`
	Children  []string `json:"children"`
	JID       string   `json:"jid"`
	SM        bool     `json:"sm"`
	Text      string   `json:"text"`
}

// TestXmppjsFAST runs xmpp.js, a client we did not write, through
// SASL2 (XEP-0388) with SCRAM, Bind2 (XEP-0386) enabling stream
// management inline, and a FAST token (XEP-0484); after a dropped
// connection xmpp.js comes back with the token and resumes its session
// inside SASL2 (XEP-0198), and a fresh client logs in with the token
// alone and binds inline.
func TestXmppjsFAST(t *testing.T) {
	node := requireXmppjs(t)
	srv := untrustedServer(t, "alice")
	ca := filepath.Join(srv.dir, "data", "tls", "localhost.crt")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "fast.mjs", "xmpp://"+srv.starttls, "localhost", "alice", "pw-alice")
	cmd.Dir = "xmppjs"
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+ca)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xmpp.js: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	var events []xmppjsEvent
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var e xmppjsEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("xmpp.js output %q: %v", sc.Text(), err)
		}
		if e.Event == "error" {
			t.Errorf("xmpp.js reported an error: %s", e.Text)
		}
		events = append(events, e)
	}
	t.Logf("xmpp.js:\n%s", out)
	var auths, successes []xmppjsEvent
	for _, e := range events {
		switch e.Event {
		case "authenticate":
			auths = append(auths, e)
		case "success":
			successes = append(successes, e)
		}
	}
	if len(auths) != 3 || len(successes) != 3 || events[len(events)-1].Event != "done" {
		t.Fatalf("want three SASL2 logins and done, got %+v", events)
	}
	// The password login asks for a token, binds and enables SM inline.
	if !strings.HasPrefix(auths[0].Mechanism, "SCRAM-") || !slices.Contains(auths[0].Inline, "request-token") || !slices.Contains(auths[0].Inline, "bind") {
		t.Errorf("first login: %+v", auths[0])
	}
	if !slices.Contains(successes[0].Children, "token") || !slices.Contains(successes[0].Children, "bound") || !strings.HasPrefix(successes[0].JID, "alice@localhost/xmppjs.") {
		t.Errorf("first success: %+v", successes[0])
	}
	// The reconnection: the token, and the session resumed inline.
	if auths[1].Mechanism != "HT-SHA-256-NONE" || !slices.Contains(auths[1].Inline, "resume") {
		t.Errorf("reconnection: %+v", auths[1])
	}
	if !slices.Contains(successes[1].Children, "resumed") || successes[1].JID != successes[0].JID {
		t.Errorf("reconnection success: %+v, want the session %s resumed", successes[1], successes[0].JID)
	}
	// A new client: the token and Bind2, with SM enabled inline.
	if auths[2].Mechanism != "HT-SHA-256-NONE" || !slices.Contains(successes[2].Children, "bound") {
		t.Errorf("token login: %+v %+v", auths[2], successes[2])
	}
	var online []xmppjsEvent
	for _, e := range events {
		if e.Event == "online" {
			online = append(online, e)
		}
	}
	if len(online) != 2 || !online[0].SM || !online[1].SM {
		t.Errorf("stream management not enabled inline: %+v", online)
	}
}
