package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
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

// TestJournalPriorities: with standard error connected to the journal
// (JOURNAL_STREAM naming it, as systemd sets it), every line of the
// server's log, its plugins' included, carries its level's syslog
// priority, so that `journalctl -p warning` finds the warnings; the
// format is otherwise the operator's (text here).
func TestJournalPriorities(t *testing.T) {
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fi, err := w.Stat()
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	cmd := exec.Command(binary, "serve", "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append(suiteStorage.env(t, dir, nil),
		"SWITCHBOARD_LOG_FORMAT=text", "SWITCHBOARD_LISTEN_WEBSOCKET=", fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino))...)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	var started, warned bool
	sc := bufio.NewScanner(r)
	for !(started && warned) && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "[INFO]") && strings.Contains(line, "server started"):
			started = true
			if !strings.HasPrefix(line, "<6>") {
				t.Errorf("an info line without priority 6: %q", line)
			}
		case strings.Contains(line, "[WARN]") && strings.Contains(line, "switchboard.plugin.extdisco"):
			warned = true // a plugin's warning, through the core's log
			if !strings.HasPrefix(line, "<4>") {
				t.Errorf("a plugin's warning without priority 4: %q", line)
			}
		case !strings.HasPrefix(line, "<"):
			t.Errorf("a line without a priority: %q", line)
		}
	}
	if !started || !warned {
		t.Fatalf("the log ended (%v) before the start and the extdisco warning", sc.Err())
	}
}
