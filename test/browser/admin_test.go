package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestAdminPage is an operator at the admin page: logged in with an admin
// account's password, they see alice's session, kick it (alice's client
// sees its stream closed), and create an account that can then log in.
func TestAdminPage(t *testing.T) {
	tl := requireTools(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("listen:\n  admin: 127.0.0.1:0\nplugins:\n  adhoc:\n    config:\n      admins: [root@localhost]\n"), 0o644)
	t.Setenv("SWITCHBOARD_CONFIG", cfg)
	srv := startServer(t, dir, "root@localhost", "alice@localhost")
	url := srv.waitLog("serving the admin API")["url"].(string)

	alice, aliceJID, err := rawxmpp.Login(srv.starttls, "localhost", "alice", "pw", "desktop")
	if err != nil {
		t.Fatalf("alice logging in: %v", err)
	}
	t.Cleanup(func() { alice.Conn.Close() })

	d := startScript(t, tl.node, "admin.mjs", 90*time.Second,
		"CHROMIUM="+tl.chromium,
		"ADMIN_URL="+url,
		"ADMIN_USER=root@localhost",
		"ADMIN_PASSWORD=pw",
		"SESSION_JID="+aliceJID,
		"NEW_USER=dave",
		"NEW_PASSWORD=dave's password",
	)
	go func() {
		<-d.done
		alice.Conn.Close()
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\n--- admin.mjs:\n%s\n--- server log:\n%s", append(args, d.output(), srv.logText())...)
	}

	alice.Timeout = 60 * time.Second
	var condition string
	for {
		el, err := alice.Next()
		if err == rawxmpp.ErrStreamClosed {
			break
		}
		if err != nil {
			fail("alice waiting for her stream to be closed: %v", err)
		}
		if el.Tag == "error" && len(el.ChildElements()) > 0 {
			condition = el.ChildElements()[0].Tag
		}
	}
	if condition != "policy-violation" {
		fail("alice's stream closed with %q, want the policy-violation of a kick", condition)
	}

	<-d.done
	if d.err != nil {
		fail("admin.mjs: %v", d.err)
	}
	if !strings.Contains(d.output(), "STEP account created: Created dave@localhost.") {
		fail("admin.mjs exited 0 without creating the account")
	}
	c, _, err := rawxmpp.Login(srv.starttls, "localhost", "dave", "dave's password", "r")
	if err != nil {
		fail("the account created in the page cannot log in: %v", err)
	}
	c.Conn.Close()
	t.Logf("admin.mjs:\n%s", d.output())
}
