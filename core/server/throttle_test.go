package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// readyToAuth connects from the loopback address src and negotiates TLS, up
// to the point where the client may authenticate.
func readyToAuth(t *testing.T, s *testServer, src string) *rawxmpp.Client {
	t.Helper()
	c, err := rawxmpp.DialFrom(src, s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	if err := c.OpenStream(domain); err != nil {
		t.Fatalf("from %s: %v", src, err)
	}
	if err := c.StartTLS(domain); err != nil {
		t.Fatalf("from %s: %v", src, err)
	}
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatalf("from %s: %v", src, err)
	}
	return c
}

func plainAuth(user, password string) string {
	msg := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + msg + "</auth>"
}

// expectUntested reads a SASL failure that says no password was tested.
func expectUntested(t *testing.T, c *rawxmpp.Client, who string) *etree.Element {
	t.Helper()
	el, err := c.Next()
	if err != nil {
		t.Fatalf("%s: waiting for the answer: %v", who, err)
	}
	if el.Tag != "failure" || firstChild(el) != "temporary-auth-failure" {
		t.Fatalf("%s: got %s, want temporary-auth-failure (refused untested)", who, rawxmpp.Describe(el))
	}
	if text := el.SelectElement("text"); text == nil || !strings.Contains(text.Text(), "try again in") {
		t.Errorf("%s: the refusal does not say when to come back: %s", who, rawxmpp.Describe(el))
	}
	return el
}

// TestGuessesAtOneAccountAreHeld plays issue 14's attacker: wrong passwords
// for one account from one address after another and pipelined on one
// stream, without waiting for the delayed answers. Only the first is
// tested; every other address is told to come back later, the pipelined
// guesses are not read, and the right password from a new address is not
// tested either. The user's own network still gets in, and the operator's
// unlock opens the account to everyone.
func TestGuessesAtOneAccountAreHeld(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.TrustedNetworks = nil
		c.Limits.ConnectRatePerIP = 0
		c.Auth.BanFailures = 0
		// Long enough that nothing in this test outlasts a delay: what
		// is tested, and in what order, is all it can observe.
		c.Auth.FailureDelay = time.Hour
		c.Auth.FailureDelayMax = time.Hour
		c.Auth.AccountDelayMax = time.Hour
	})
	const home = "127.0.0.2"
	if _, _, err := rawLoginFrom(s, home, "alice", "secret"); err != nil {
		t.Fatalf("alice's first login, from home: %v", err)
	}

	first := readyToAuth(t, s, "127.0.0.3")
	first.Send(plainAuth("alice", "guess-0"))
	waitFor(t, "the first guess to be tested", func() bool { return s.authLimits.AccountFailures("alice@localhost") == 1 })
	// Pipelined on the held stream: read only once its failure is
	// answered, an hour from now.
	for i := 1; i <= 5; i++ {
		first.Send(plainAuth("alice", fmt.Sprintf("guess-%d", i)))
	}
	for i := 4; i <= 13; i++ {
		src := fmt.Sprintf("127.0.0.%d", i)
		c := readyToAuth(t, s, src)
		c.Send(plainAuth("alice", "guess-from-"+src))
		expectUntested(t, c, src)
	}
	if n := s.authLimits.AccountFailures("alice@localhost"); n != 1 {
		t.Fatalf("%d passwords tested, want 1", n)
	}
	if n := s.logs.count("account locked"); n != 1 {
		t.Errorf("the lock was logged %d times, want once", n)
	}

	// The right password, from a network alice never used: not tested.
	stranger := readyToAuth(t, s, "127.0.0.14")
	stranger.Send(plainAuth("alice", "secret"))
	expectUntested(t, stranger, "alice from a new network")
	scram := readyToAuth(t, s, "127.0.0.15")
	if err := scram.AuthSCRAMNow(domain, "alice", "secret", false); err == nil || !strings.Contains(err.Error(), "temporary-auth-failure") {
		t.Errorf("SCRAM from a new network: %v, want temporary-auth-failure", err)
	}
	legacy := readyToAuth(t, s, "127.0.0.16")
	legacy.Send("<iq type='set' id='l1'><query xmlns='jabber:iq:auth'><username>alice</username><password>secret</password><resource>r</resource></query></iq>")
	expectStanzaError(t, legacy, "l1", "resource-constraint")

	// From home the lock does not hold her up.
	if _, _, err := rawLoginFrom(s, home, "alice", "secret"); err != nil {
		t.Fatalf("alice from home, while locked: %v", err)
	}
	if n := s.authLimits.AccountFailures("alice@localhost"); n != 1 {
		t.Fatalf("%d passwords tested, want still 1", n)
	}

	// What `switchboard user unlock` does, read by the server at the next
	// attempt.
	if err := s.Accounts().Unlock(context.Background(), domain, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rawLoginFrom(s, "127.0.0.14", "alice", "secret"); err != nil {
		t.Fatalf("alice from a new network after the unlock: %v", err)
	}
	if n := s.authLimits.AccountFailures("alice@localhost"); n != 0 {
		t.Errorf("%d failures still count after the unlock", n)
	}
}

// rawLoginFrom logs in with PLAIN from the loopback address src and binds a
// resource.
func rawLoginFrom(s *testServer, src, user, password string) (*rawxmpp.Client, string, error) {
	c, err := rawxmpp.DialFrom(src, s.starttls)
	if err != nil {
		return nil, "", err
	}
	if err := c.OpenStream(domain); err != nil {
		c.Conn.Close()
		return nil, "", err
	}
	if err := c.StartTLS(domain); err != nil {
		c.Conn.Close()
		return nil, "", err
	}
	if err := c.AuthPlain(domain, user, password); err != nil {
		c.Conn.Close()
		return nil, "", err
	}
	full, err := c.Bind("r")
	if err != nil {
		c.Conn.Close()
		return nil, "", err
	}
	return c, full, nil
}
