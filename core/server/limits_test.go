package server

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// refused reports whether the server closed a fresh connection without a
// word.
func refused(t *testing.T, addr string) bool {
	t.Helper()
	c, err := rawxmpp.Dial(addr)
	if err != nil {
		return true
	}
	defer c.Conn.Close()
	c.Send(header)
	c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1)
	_, err = c.Conn.Read(buf)
	return errors.Is(err, io.EOF) || (err != nil && strings.Contains(err.Error(), "reset"))
}

func TestConnectionsPerAddress(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.TrustedNetworks = nil
		c.Limits.ConnectionsPerIP = 2
		c.Limits.ConnectRatePerIP = 0
	})
	a, _ := s.login(t, "alice", "a")
	s.login(t, "bob", "b")
	if !refused(t, s.starttls) {
		t.Fatal("a third connection from the same address was accepted")
	}
	a.Close()
	waitFor(t, "the closed connection to be released", func() bool { return !refused(t, s.starttls) })
}

func TestConnectRatePerAddress(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.TrustedNetworks = nil
		c.Limits.ConnectRatePerIP = 1 // burst of 2
	})
	for i := 0; i < 2; i++ {
		if refused(t, s.starttls) {
			t.Fatalf("connection %d within the burst was refused", i+1)
		}
	}
	if !refused(t, s.starttls) {
		t.Fatal("a connection beyond the burst was accepted")
	}
}

func TestRepeatedAuthFailuresBanTheAddress(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.TrustedNetworks = nil
		c.Limits.ConnectRatePerIP = 0
		c.Auth.BanFailures = 2
		c.Auth.MaxFailures = 5
		c.Auth.FailureDelay = time.Millisecond
		c.Auth.FailureDelayMax = time.Millisecond
	})
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream(domain)
	if err := c.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	bad := "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHdyb25n</auth>"
	c.Send(bad)
	if el, err := c.Expect(rawxmpp.Is("failure")); err != nil || firstChild(el) != "not-authorized" {
		t.Fatalf("first failure: %s %v", rawxmpp.Describe(el), err)
	}
	c.Send(bad)
	expectStreamError(t, c, "policy-violation")
	if !refused(t, s.starttls) {
		t.Fatal("a banned address could connect again")
	}
}

// TestTrafficShaping checks that a stream sending faster than its rate is
// read more slowly, not cut off: 60 KB above a 20 KB burst at 20 KB/s
// cannot arrive in under two seconds, and all of it arrives.
func TestTrafficShaping(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.RateBytesPerSecond = 20_000
		c.Limits.RateBurstBytes = 20_000
		c.Limits.MaxStanzaBytes = 16_000
		c.Limits.MaxStanzaBytesPreauth = 4096
	})
	alice, _ := s.login(t, "alice", "a")
	bob, bobJID := s.login(t, "bob", "b")
	body := strings.Repeat("x", 950)
	const n = 80 // ~80 KB in all
	started := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			alice.Sendf("<message to='%s' id='s%d'><body>%s</body></message>", bobJID, i, body)
		}
	}()
	for i := 0; i < n; i++ {
		bob.Timeout = 30 * time.Second
		if _, err := bob.Expect(rawxmpp.Is("message")); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if elapsed := time.Since(started); elapsed < 2*time.Second {
		t.Errorf("80 KB at 20 KB/s with a 20 KB burst arrived in %v; the shaper is not pacing", elapsed)
	}
}
