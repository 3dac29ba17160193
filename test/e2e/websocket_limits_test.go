package e2e

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// limitServer runs the binary with the users alice and bob and extra
// YAML for the config file (limits, debug).
func limitServer(t *testing.T, yaml string) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	return srv
}

// httpConn is a kept-alive HTTPS connection to the WebSocket listener.
type httpConn struct {
	c  *tls.Conn
	br *bufio.Reader
}

func dialHTTP(addr string) (*httpConn, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		return nil, err
	}
	return &httpConn{c: c, br: bufio.NewReader(c)}, nil
}

// get asks for path and reads the whole answer, leaving the connection
// open for the next request.
func (h *httpConn) get(path string) error {
	h.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(h.c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		return err
	}
	resp, err := http.ReadResponse(h.br, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}

// waitClosed waits up to d for the server to close the connection.
func (h *httpConn) waitClosed(d time.Duration) error {
	h.c.SetReadDeadline(time.Now().Add(d))
	_, err := h.br.ReadByte()
	var ne net.Error
	switch {
	case err == nil:
		return errors.New("the server sent bytes nobody asked for")
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("still open after %v", d)
	}
	return nil
}

// servedHTTP reports whether a new connection gets an answer.
func servedHTTP(addr string) bool {
	c, err := dialHTTP(addr)
	if err != nil {
		return false
	}
	defer c.c.Close()
	return c.get("/.well-known/host-meta") == nil
}

// refusedTCP reports whether the STARTTLS listener closed a new
// connection without a word.
func refusedTCP(t *testing.T, addr string) bool {
	t.Helper()
	c, err := rawxmpp.Dial(addr)
	if err != nil {
		return true
	}
	defer c.Conn.Close()
	c.OpenStream("localhost")
	c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Conn.Read(make([]byte, 1))
	return errors.Is(err, io.EOF) || (err != nil && strings.Contains(err.Error(), "reset"))
}

// TestWebSocketHTTPConnectionsAreLimited: HTTP connections to the
// WebSocket listener count against limits.connections_per_ip from the
// moment they are accepted, together with TCP ones, and kept-alive ones
// are closed after limits.http_idle_timeout, giving their places back.
func TestWebSocketHTTPConnectionsAreLimited(t *testing.T) {
	srv := limitServer(t, "limits:\n  trusted_networks: []\n  connections_per_ip: 4\n  connect_rate_per_ip: 0\n  http_idle_timeout: 1s\n")
	addr := srv.waitLog("listening for WebSocket clients")["addr"].(string)
	var held []*httpConn
	for i := 0; i < 4; i++ {
		c, err := dialHTTP(addr)
		if err == nil {
			err = c.get("/.well-known/host-meta")
		}
		if err != nil {
			t.Fatalf("connection %d within the limit: %v", i+1, err)
		}
		defer c.c.Close()
		held = append(held, c)
	}
	if servedHTTP(addr) {
		t.Fatal("a fifth HTTP connection from the same address was served")
	}
	if !refusedTCP(t, srv.starttls) {
		t.Fatal("a TCP connection was accepted while HTTP connections from the address were at the limit")
	}
	for i, c := range held {
		if err := c.waitClosed(15 * time.Second); err != nil {
			t.Fatalf("idle keep-alive connection %d: %v", i+1, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !servedHTTP(addr) {
		if time.Now().After(deadline) {
			t.Fatal("the closed connections never gave their places back")
		}
	}
}

// TestWebSocketHTTPConnectionMustUpgrade: a connection that keeps asking
// for host-meta, never idle long enough for limits.http_idle_timeout, is
// closed once limits.preauth_timeout has passed without it becoming a
// WebSocket.
func TestWebSocketHTTPConnectionMustUpgrade(t *testing.T) {
	srv := limitServer(t, "limits:\n  preauth_timeout: 2s\n  http_idle_timeout: 1s\n")
	addr := srv.waitLog("listening for WebSocket clients")["addr"].(string)
	c, err := dialHTTP(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.c.Close()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(20 * time.Second)
	for n := 0; ; n++ {
		if err := c.get("/.well-known/host-meta"); err != nil {
			if n == 0 {
				t.Fatalf("first request: %v", err)
			}
			return // closed
		}
		select {
		case <-tick.C:
		case <-giveUp:
			t.Fatalf("still served after %d requests over 20 s without an upgrade", n+1)
		}
	}
}
