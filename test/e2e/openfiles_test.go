package e2e

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// prlimit finds the tool that runs a command under a given open-file
// limit.
func prlimit(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("prlimit (util-linux) is needed to run the server under a small open-file limit: apt-get install -y util-linux (%v)", err)
	}
	return path
}

// limitedServer runs the server under prlimit with the open-file limit
// soft:hard and the given limits: section, with accounts alice, bob,
// carol and dave (password "pw"), and waits until it has started.
func limitedServer(t *testing.T, soft, hard int, limits string) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	// Connections that never log in must stay for the whole test.
	yaml := "limits:\n  preauth_timeout: 5m\n" + limits
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServerUnder(t, dir, nil, []string{prlimit(t), fmt.Sprintf("--nofile=%d:%d", soft, hard), "--"}, "--config", cfg)
	srv.waitLog("server started")
	return srv
}

// fill opens connections to addr, each sending a stream header, until
// want of them are held (the server answered with its header) or tries
// connections were made. It returns the held ones and how many the
// server closed at once.
func fill(t *testing.T, addr string, want, tries int) (held []*rawxmpp.Client, closed int) {
	t.Helper()
	for range tries {
		if len(held) == want {
			break
		}
		c, err := rawxmpp.Dial(addr)
		if err != nil {
			t.Fatalf("connection %d: %v", len(held)+closed, err)
		}
		switch err := c.OpenStream("localhost"); {
		case err == nil:
			held = append(held, c)
			t.Cleanup(func() { c.Conn.Close() })
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
			closed++
			c.Conn.Close()
		default:
			t.Fatalf("connection %d: neither served nor closed: %v", len(held)+closed, err)
		}
	}
	return held, closed
}

// exchange has every client send a message to the next one and checks
// that each arrives.
func exchange(t *testing.T, round string, clients []*rawxmpp.Client, jids []string) {
	t.Helper()
	for i, c := range clients {
		to := jids[(i+1)%len(jids)]
		if err := c.Sendf("<message to='%s' type='chat' id='%s-%d'><body>still here</body></message>", to, round, i); err != nil {
			t.Fatalf("%s: sending from %s: %v", round, jids[i], err)
		}
	}
	for i := range clients {
		next := (i + 1) % len(clients)
		el, err := clients[next].Expect(isMsg(fmt.Sprintf("%s-%d", round, i)))
		if err != nil {
			t.Fatalf("%s: %s never got the message from %s: %v", round, jids[next], jids[i], err)
		}
		if el.SelectAttrValue("from", "") != jids[i] {
			t.Errorf("%s: message from %s", round, el.SelectAttrValue("from", ""))
		}
	}
}

// linesWith returns the log lines whose message contains msg.
func (s *server) linesWith(msg string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range s.lines {
		if m, _ := l["@message"].(string); strings.Contains(m, msg) {
			out = append(out, l)
		}
	}
	return out
}

func (s *server) running(t *testing.T) {
	t.Helper()
	select {
	case err := <-s.exit:
		t.Fatalf("the server exited (%v); log:\n%s", err, s.logText())
	default:
	}
}

// number reads a numeric field of a JSON log line.
func number(line map[string]any, key string) int {
	f, _ := line[key].(float64)
	return int(f)
}

const (
	refusedMsg = "connection limit reached"
	failedMsg  = "cannot accept connections"
)

// TestConnectionCapBelowTheFileLimit floods a server whose open-file
// limit is 256 with connections. The server caps clients at the limit
// less limits.reserved_files: it keeps running, the sessions up go on,
// the database and the plugins keep their descriptors, connections past
// the cap are closed at once and admitted again when others leave, and
// the refusals are logged once per period with a count.
func TestConnectionCapBelowTheFileLimit(t *testing.T) {
	const reserved, limit = 176, 256
	srv := limitedServer(t, 64, 1024, fmt.Sprintf("  max_open_files: %d\n  reserved_files: %d\n  max_connections: 1000\n", limit, reserved))
	info := srv.waitLogWhere("the open-file limit", func(l map[string]any) bool { return l["@message"] == "open-file limit" })
	if number(info, "soft") != limit || number(info, "hard") != 1024 || number(info, "max_connections") != limit-reserved {
		t.Fatalf("limit logged as %v, want soft %d (limits.max_open_files), hard 1024, %d connections", info, limit, limit-reserved)
	}
	if w := srv.waitLog("below limits.max_connections"); w["@level"] != "warn" || number(w, "connections") != limit-reserved {
		t.Errorf("warning about limits.max_connections: %v", w)
	}

	var sessions []*rawxmpp.Client
	var jids []string
	for _, u := range []string{"alice", "bob", "carol"} {
		c, full := login(t, srv, u, "r")
		sessions, jids = append(sessions, c), append(jids, full)
	}
	// Past the cap, and past the open-file limit itself.
	start := time.Now()
	held, closed := fill(t, srv.starttls, limit, limit+100)
	if want := limit - reserved - len(sessions); len(held) != want || closed != limit+100-want {
		t.Fatalf("held %d connections and %d were closed at once; want %d held (the cap less the sessions), the other %d closed", len(held), closed, want, limit+100-want)
	}
	if _, err := rawxmpp.DialTLS(srv.direct); err == nil {
		t.Fatal("a direct TLS connection got through at the cap")
	}
	closed++
	srv.running(t)

	// The sessions go on, and so do the plugins and the database: the
	// roster comes from the roster plugin's storage, and a message to
	// dave, offline, is stored before alice's stream moves on.
	exchange(t, "at-cap", sessions, jids)
	if r := iq(t, sessions[0], "roster", "<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("roster get at the cap: %s", rawxmpp.Describe(r))
	}
	sessions[0].Send("<message to='dave@localhost' type='chat' id='offline1'><body>when you can</body></message>")
	iq(t, sessions[0], "sync", "<iq type='get' to='localhost' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")

	// Others leave: dave gets in, and gets the message stored at the cap.
	for _, c := range held[:10] {
		c.Conn.Close()
	}
	var dave *rawxmpp.Client
	for deadline := time.Now().Add(10 * time.Second); dave == nil; {
		c, _, err := rawxmpp.Login(srv.starttls, "localhost", "dave", "pw", "d")
		switch {
		case err == nil:
			dave = c
			t.Cleanup(func() { c.Conn.Close() })
		case time.Now().After(deadline):
			t.Fatalf("dave never got in after connections closed: %v", err)
		default:
			closed++ // the server has yet to see one of them close
		}
	}
	if el, err := dave.Expect(isMsg("offline1")); err != nil || el.SelectElement("delay") == nil {
		t.Fatalf("the message stored at the cap: %v", err)
	}
	exchange(t, "after", append(sessions, dave), append(jids, "dave@localhost/d"))
	srv.running(t)

	// One WARN line at the first refusal; the rest are counted and
	// reported when the period is over, not one line each.
	reported := 0
	srv.waitLogWhere(fmt.Sprintf("reports counting all %d refusals", closed), func(l map[string]any) bool {
		if m, _ := l["@message"].(string); strings.Contains(m, refusedMsg) {
			reported += number(l, "refused")
		}
		return reported == closed
	})
	lines := srv.linesWith(refusedMsg)
	if elapsed := time.Since(start); len(lines) > 1+int(elapsed/(10*time.Second)) || number(lines[0], "refused") != 1 || lines[0]["@level"] != "warn" {
		t.Fatalf("%d refusals in %s logged in %d lines: %v", closed, elapsed, len(lines), lines)
	}
	// With the reserve kept, the process never ran out of descriptors.
	if n := len(srv.linesWith(failedMsg)); n > 0 || strings.Contains(srv.logText(), "too many open files") {
		t.Errorf("the server ran out of descriptors; log:\n%s", srv.logText())
	}
}

// TestAcceptSurvivesRunningOutOfDescriptors runs a server with no
// reserve, so that connections take every descriptor: accepting fails
// with "too many open files", which pauses the listener instead of ending
// the server; the sessions up go on, the failures are logged once per
// period, and the waiting connections are served once others close.
func TestAcceptSurvivesRunningOutOfDescriptors(t *testing.T) {
	const limit = 256
	srv := limitedServer(t, limit, limit, "  reserved_files: 0\n")
	var sessions []*rawxmpp.Client
	var jids []string
	for _, u := range []string{"alice", "bob"} {
		c, full := login(t, srv, u, "r")
		sessions, jids = append(sessions, c), append(jids, full)
	}
	start := time.Now()
	var held []*rawxmpp.Client
	var waiting *rawxmpp.Client
	for waiting == nil {
		if len(held) == limit {
			t.Fatalf("%d connections held under an open-file limit of %d", len(held), limit)
		}
		c, err := rawxmpp.Dial(srv.starttls)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Conn.Close() })
		c.Timeout = time.Second
		switch err := c.OpenStream("localhost"); {
		case err == nil:
			held = append(held, c)
		case errors.Is(err, os.ErrDeadlineExceeded):
			waiting = c // in the listen queue: the server cannot accept it
		default:
			t.Fatalf("connection %d: %v", len(held), err)
		}
	}
	srv.waitLog(failedMsg)
	srv.running(t)
	exchange(t, "out-of-files", sessions, jids)

	for _, c := range held[:20] {
		c.Conn.Close()
	}
	waiting.Timeout = 10 * time.Second
	if err := waiting.ReadHeader(); err != nil {
		t.Fatalf("the waiting connection was never served: %v", err)
	}
	c, full := login(t, srv, "carol", "r")
	exchange(t, "after", append(sessions, c), append(jids, full))
	srv.running(t)

	lines := srv.linesWith(failedMsg)
	if elapsed := time.Since(start); len(lines) > 1+int(elapsed/(10*time.Second)) || lines[0]["@level"] != "warn" || !strings.Contains(fmt.Sprint(lines[0]["error"]), "too many open files") {
		t.Fatalf("after %s, %d log lines: %v", elapsed, len(lines), lines)
	}
}

// TestNoRoomForClientsIsAStartError: an open-file limit that
// limits.reserved_files takes whole stops the server at start, saying
// what to raise, instead of running a server nobody can connect to.
func TestNoRoomForClientsIsAStartError(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(prlimit(t), "--nofile=200:200", "--", binary, "serve", "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0", "--listen-websocket", "")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "leaves no descriptor for clients after limits.reserved_files (256)") {
		t.Fatalf("serve under a limit of 200: %v\n%s", err, out)
	}
}
