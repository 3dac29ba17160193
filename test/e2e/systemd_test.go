package e2e

import (
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// notifications reads what the server sends to the notify socket.
func notifications(t *testing.T, sock *net.UnixConn) <-chan string {
	t.Helper()
	ch := make(chan string, 64)
	go func() {
		defer close(ch)
		buf := make([]byte, 4096)
		for {
			n, err := sock.Read(buf)
			if err != nil {
				return
			}
			for _, line := range strings.Split(string(buf[:n]), "\n") {
				if line != "" {
					ch <- line
				}
			}
		}
	}()
	return ch
}

// expectNotify waits for state among the notifications, naming what came
// instead.
func expectNotify(t *testing.T, ch <-chan string, state string) {
	t.Helper()
	var got []string
	deadline := time.After(60 * time.Second)
	for {
		select {
		case s, ok := <-ch:
			if !ok {
				t.Fatalf("the notify socket closed before %s; got %q", state, got)
			}
			if s == state {
				return
			}
			got = append(got, s)
		case <-deadline:
			t.Fatalf("no %s from the server; got %q", state, got)
		}
	}
}

// TestSystemdNotify: under systemd (Type=notify, WatchdogSec=), the server
// says READY=1 once it serves, RELOADING=1 and READY=1 around a SIGHUP,
// WATCHDOG=1 while it answers streams, and STOPPING=1 on SIGTERM, on
// the socket systemd names in NOTIFY_SOCKET.
func TestSystemdNotify(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notify.sock")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	ch := notifications(t, sock)
	// A one-second watchdog: the server pings every half second.
	srv := startServer(t, dir, []string{"NOTIFY_SOCKET=" + path, "WATCHDOG_USEC=1000000"})
	expectNotify(t, ch, "READY=1")
	expectNotify(t, ch, "WATCHDOG=1")
	srv.cmd.Process.Signal(syscall.SIGHUP)
	expectNotify(t, ch, "RELOADING=1")
	expectNotify(t, ch, "READY=1")
	if err := srv.stop(); err != nil {
		t.Fatalf("stopping: %v", err)
	}
	expectNotify(t, ch, "STOPPING=1")
}
