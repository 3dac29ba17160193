package server

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
)

// tlsRefused reports whether a TLS listener closed a fresh connection
// instead of completing the handshake; a handshake that completes is kept
// open until the test ends.
func tlsRefused(t *testing.T, addr string) bool {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return true
	}
	t.Cleanup(func() { c.Close() })
	return false
}

// TestConnectionCapCoversEveryListener: limits.max_connections counts the
// connections of the STARTTLS, direct TLS and WebSocket listeners
// together, and a place freed on one is taken on another.
func TestConnectionCapCoversEveryListener(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.MaxConnections = 3 })
	ws := s.WebSocketAddr().String()
	alice, _ := s.login(t, "alice", "a")
	if tlsRefused(t, s.direct) || tlsRefused(t, ws) {
		t.Fatal("refused below the cap")
	}
	if !refused(t, s.starttls) || !tlsRefused(t, s.direct) || !tlsRefused(t, ws) {
		t.Fatal("a connection past the cap was accepted")
	}
	alice.Close()
	waitFor(t, "the closed session's place to be free", func() bool { return !tlsRefused(t, ws) })
	if !refused(t, s.starttls) {
		t.Fatal("a connection past the cap was accepted after the freed place was taken")
	}
}
