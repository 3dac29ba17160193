package e2e

import (
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// plainFrom connects from the loopback address src, negotiates TLS and
// sends a SASL PLAIN attempt; it returns the client and the server's answer.
func plainFrom(t *testing.T, addr, src, user, password string) (*rawxmpp.Client, error) {
	t.Helper()
	c, err := rawxmpp.DialFrom(src, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	if err := c.OpenStream("localhost"); err != nil {
		t.Fatalf("from %s: %v", src, err)
	}
	if err := c.StartTLS("localhost"); err != nil {
		t.Fatalf("from %s: %v", src, err)
	}
	return c, c.AuthPlain("localhost", user, password)
}

// TestOperatorUnlocksAnAccount runs the lock end to end: a wrong password
// locks the account (delays set long, so that nothing here outlasts one),
// the lock is logged once at WARN, the right password from another address
// is then refused untested, and `switchboard user unlock`, run as its own
// process beside the server on the same database, lets it in at the next
// attempt.
func TestOperatorUnlocksAnAccount(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, dir, nil, "", "user", "add", "alice@localhost", "--password", "wonderland"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	srv := startServer(t, dir, []string{
		// Loopback must not be trusted here: the test plays clients on
		// 127.0.0.x addresses.
		"SWITCHBOARD_LIMITS_TRUSTED_NETWORKS=192.0.2.0/24",
		"SWITCHBOARD_AUTH_FAILURE_DELAY=1h",
		"SWITCHBOARD_AUTH_FAILURE_DELAY_MAX=1h",
		"SWITCHBOARD_AUTH_ACCOUNT_DELAY_MAX=1h",
	})
	defer func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	}()

	guesser, err := rawxmpp.DialFrom("127.0.0.3", srv.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer guesser.Conn.Close()
	guesser.OpenStream("localhost")
	if err := guesser.StartTLS("localhost"); err != nil {
		t.Fatal(err)
	}
	if _, err := guesser.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatal(err)
	}
	guesser.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAGd1ZXNz</auth>") // alice, "guess"
	lock := srv.waitLog("account locked")
	if lock["@level"] != "warn" || lock["user"] != "alice" || lock["clear_with"] != "switchboard user unlock alice@localhost" {
		t.Errorf("lock logged as %v", lock)
	}

	if _, err := plainFrom(t, srv.starttls, "127.0.0.4", "alice", "wonderland"); err == nil || !strings.Contains(err.Error(), "temporary-auth-failure") {
		t.Fatalf("the right password from another address while locked: %v, want temporary-auth-failure", err)
	}

	if out, err := run(t, dir, nil, "", "user", "unlock", "nobody@localhost"); err == nil || !strings.Contains(out, "does not exist") {
		t.Errorf("user unlock of an unknown account: %v\n%s", err, out)
	}
	out, err := run(t, dir, nil, "", "user", "unlock", "alice@localhost")
	if err != nil || !strings.HasPrefix(out, "alice@localhost: unlocked") {
		t.Fatalf("user unlock: %v\n%s", err, out)
	}
	if _, err := plainFrom(t, srv.starttls, "127.0.0.4", "alice", "wonderland"); err != nil {
		t.Fatalf("the right password after the unlock: %v", err)
	}
	if locks := strings.Count(srv.logText(), "account locked"); locks != 1 {
		t.Errorf("the lock was logged %d times, want once", locks)
	}
}
