package e2e

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/debian"
)

// Debian's python, for which python3-slixmpp is packaged (a python3 earlier
// in PATH, from pyenv say, would not have it).
const debianPython = "/usr/bin/python3"

// slixmppHelp is what a developer runs once to give these tests their
// client; the test does it itself when it runs as root.
const slixmppHelp = "install it once: apt-get update && apt-get install -y python3-slixmpp"

// requireSlixmpp installs Debian's python3-slixmpp when it is missing and
// the test runs as root, and fails, never skips, when it is still missing.
func requireSlixmpp(t *testing.T) {
	t.Helper()
	version := func() (string, error) {
		out, err := exec.Command(debianPython, "-c", "import slixmpp; print(slixmpp.__version__)").CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if _, err := version(); err != nil && os.Geteuid() == 0 {
		t.Log("setting up the slixmpp tests: apt-get install python3-slixmpp")
		if err := debian.Install(t.Context(), false, "python3-slixmpp"); err != nil {
			t.Log(err)
		}
	}
	v, err := version()
	if err != nil {
		t.Fatalf("slixmpp not importable by %s: %v %s; %s", debianPython, err, v, slixmppHelp)
	}
	t.Logf("slixmpp %s (Debian's python3-slixmpp)", v)
}

// slixmppServer runs the server for the slixmpp tests with the accounts
// given (password "pw-" + name). Loopback is not trusted, so login
// failures are delayed and counted towards a ban as for any remote user.
func slixmppServer(t *testing.T, users ...string) *server {
	t.Helper()
	requireSlixmpp(t)
	return untrustedServer(t, users...)
}

// untrustedServer runs the server with the accounts given (password
// "pw-" + name), loopback not trusted.
func untrustedServer(t *testing.T, users ...string) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(cfg, []byte("limits:\n  trusted_networks: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw-"+u, "--config", cfg); err != nil {
			t.Fatalf("user add %s: %v\n%s", u, err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	})
	return srv
}

// slixEvent is one line of testdata/slixmpp_client.py's output.
type slixEvent struct {
	Event     string            `json:"event"`
	Cmd       string            `json:"cmd"`
	Condition string            `json:"condition"`
	Text      string            `json:"text"`
	Mechanism string            `json:"mechanism"`
	JID       string            `json:"jid"`
	From      string            `json:"from"`
	To        string            `json:"to"`
	Body      string            `json:"body"`
	Delayed   bool              `json:"delayed"`
	Items     map[string]string `json:"items"`
	Bodies    []string          `json:"bodies"`
	FN        string            `json:"fn"`
	Type      string            `json:"type"`
	Codes     []string          `json:"codes"`
	Role      string            `json:"role"`
	URL       string            `json:"url"`
	Node      string            `json:"node"`
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Bookmarks []slixBookmark    `json:"bookmarks"`
	Features  []string          `json:"features"`
}

// slixBookmark is a room of an XEP-0048 <storage/>, as the client reads it.
type slixBookmark struct {
	JID      string `json:"jid"`
	Name     string `json:"name"`
	Nick     string `json:"nick"`
	Autojoin bool   `json:"autojoin"`
}

// slixClient is one slixmpp client process.
type slixClient struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan slixEvent // closed when the process's output ends
	queued []slixEvent    // read while waiting for something else
	stderr *bytes.Buffer
	mu     sync.Mutex // guards stderr
	jid    string     // bound full JID
	auth   []slixEvent
	ended  bool // quit has run
}

// slixmppLogin starts a client for user@localhost over STARTTLS, trusting
// the server's certificate file, and waits until its session has started.
// extra is passed on to slixmpp_client.py ("sm": stream management).
func slixmppLogin(t *testing.T, srv *server, user string, extra ...string) *slixClient {
	t.Helper()
	host, port, _ := strings.Cut(srv.starttls, ":")
	ca := filepath.Join(srv.dir, "data", "tls", "localhost.crt")
	c := &slixClient{name: user, events: make(chan slixEvent, 256), stderr: &bytes.Buffer{}}
	c.cmd = exec.Command(debianPython, append([]string{"testdata/slixmpp_client.py", user + "@localhost", "pw-" + user, host, port, ca}, extra...)...)
	c.cmd.Stderr = lockedWriter{&c.mu, c.stderr}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var ev slixEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = slixEvent{Event: "unparsed", Text: sc.Text()}
			}
			c.events <- ev
		}
		close(c.events)
	}()
	t.Cleanup(func() { c.quit(t) })
	started := c.wait(t, "session start", func(ev slixEvent) bool {
		if ev.Event == "failed_auth" || ev.Event == "auth_success" {
			c.auth = append(c.auth, ev)
		}
		return ev.Event == "session_start" || ev.Event == "failed_all_auth" || ev.Event == "disconnected"
	})
	if started.Event != "session_start" {
		t.Fatalf("slixmpp could not log in as %s: %s", user, c.authSteps())
	}
	c.jid = started.JID
	return c
}

// authSteps says which mechanisms the client tried and how each ended.
func (c *slixClient) authSteps() string {
	var steps []string
	for _, ev := range c.auth {
		steps = append(steps, ev.Mechanism+" "+cmp.Or(ev.Condition, "success"))
	}
	return strings.Join(steps, ", ")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// wait returns the first event, queued or new, for which match holds; the
// others stay queued.
func (c *slixClient) wait(t *testing.T, what string, match func(slixEvent) bool) slixEvent {
	t.Helper()
	for i, ev := range c.queued {
		if match(ev) {
			c.queued = append(c.queued[:i], c.queued[i+1:]...)
			return ev
		}
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatalf("slixmpp %s exited while waiting for %s; stderr:\n%s", c.name, what, c.errors())
			}
			if match(ev) {
				return ev
			}
			c.queued = append(c.queued, ev)
		case <-deadline:
			t.Fatalf("slixmpp %s: no %s within 20 s; events: %+v; stderr:\n%s", c.name, what, c.queued, c.errors())
		}
	}
}

func (c *slixClient) errors() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// try runs a command and returns its answer: "done" or "error".
func (c *slixClient) try(t *testing.T, cmd map[string]any) slixEvent {
	t.Helper()
	line, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.stdin.Write(append(line, '\n')); err != nil {
		t.Fatalf("slixmpp %s: sending %s: %v", c.name, line, err)
	}
	name := cmd["cmd"]
	return c.wait(t, fmt.Sprintf("answer to %s", line), func(ev slixEvent) bool {
		return (ev.Event == "done" || ev.Event == "error") && ev.Cmd == name
	})
}

// do runs a command that must succeed.
func (c *slixClient) do(t *testing.T, cmd map[string]any) slixEvent {
	t.Helper()
	ev := c.try(t, cmd)
	if ev.Event != "done" {
		t.Fatalf("slixmpp %s: %v failed: %+v", c.name, cmd, ev)
	}
	return ev
}

func (c *slixClient) expectMessage(t *testing.T, from, body string) slixEvent {
	t.Helper()
	return c.wait(t, fmt.Sprintf("message %q from %s", body, from), func(ev slixEvent) bool {
		return ev.Event == "message" && ev.From == from && ev.Body == body
	})
}

// quit ends the session and waits for the process to exit; once.
func (c *slixClient) quit(t *testing.T) {
	if c.ended {
		return
	}
	c.ended = true
	c.stdin.Write([]byte(`{"cmd":"quit"}` + "\n"))
	c.stdin.Close()
	done := make(chan struct{})
	go func() {
		for range c.events {
		}
		c.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		<-done
		t.Errorf("slixmpp %s did not exit after quit", c.name)
	}
}

// TestSlixmppLogin logs in with slixmpp's default mechanism choice, as
// poezio and slixmpp bots do, three times in a row from the same
// untrusted address.
func TestSlixmppLogin(t *testing.T) {
	srv := slixmppServer(t, "alice")
	for i := 1; i <= 3; i++ {
		c := slixmppLogin(t, srv, "alice")
		t.Logf("login %d: %s", i, c.authSteps())
		if !strings.HasPrefix(c.jid, "alice@localhost/") {
			t.Fatalf("bound %q", c.jid)
		}
		c.quit(t)
	}
}

// TestSlixmppContacts: subscription, roster and a message each way
// between two slixmpp clients.
func TestSlixmppContacts(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob")
	alice := slixmppLogin(t, srv, "alice")
	bob := slixmppLogin(t, srv, "bob")

	// slixmpp approves subscription requests and subscribes back by
	// default, so one request makes the subscription mutual.
	alice.do(t, map[string]any{"cmd": "subscribe", "to": "bob@localhost"})
	alice.wait(t, "roster push with bob as both", func(ev slixEvent) bool {
		return ev.Event == "roster" && ev.Items["bob@localhost"] == "both"
	})
	bob.wait(t, "roster push with alice as both", func(ev slixEvent) bool {
		return ev.Event == "roster" && ev.Items["alice@localhost"] == "both"
	})
	if got := alice.do(t, map[string]any{"cmd": "roster"}).Items; got["bob@localhost"] != "both" {
		t.Errorf("alice's roster = %v, want bob with subscription both", got)
	}

	alice.do(t, map[string]any{"cmd": "send", "to": "bob@localhost", "body": "hello bob"})
	bob.expectMessage(t, alice.jid, "hello bob")
	bob.do(t, map[string]any{"cmd": "send", "to": alice.jid, "body": "hello alice"})
	alice.expectMessage(t, bob.jid, "hello alice")
}

// TestSlixmppOffline: a message to an account with no session is delivered,
// marked delayed, when it logs in.
func TestSlixmppOffline(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob")
	alice := slixmppLogin(t, srv, "alice")
	alice.do(t, map[string]any{"cmd": "send", "to": "bob@localhost", "body": "while you were out"})
	// A message for an offline account is stored before the sender's
	// stream reads on, so once an IQ sent after it is answered, it is there.
	alice.do(t, map[string]any{"cmd": "roster"})
	bob := slixmppLogin(t, srv, "bob")
	if m := bob.expectMessage(t, alice.jid, "while you were out"); !m.Delayed {
		t.Errorf("offline message delivered without <delay/>: %+v", m)
	}
}

// TestSlixmppCarbons: a client with carbons enabled sees what its other
// resource receives and sends.
func TestSlixmppCarbons(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob")
	alice := slixmppLogin(t, srv, "alice")
	alice.do(t, map[string]any{"cmd": "carbons"})
	other := slixmppLogin(t, srv, "alice")
	bob := slixmppLogin(t, srv, "bob")

	bob.do(t, map[string]any{"cmd": "send", "to": other.jid, "body": "to your other device"})
	other.expectMessage(t, bob.jid, "to your other device")
	alice.wait(t, "carbon of the received message", func(ev slixEvent) bool {
		return ev.Event == "carbon_received" && ev.From == bob.jid && ev.Body == "to your other device"
	})
	other.do(t, map[string]any{"cmd": "send", "to": "bob@localhost", "body": "from my other device"})
	bob.expectMessage(t, other.jid, "from my other device")
	alice.wait(t, "carbon of the sent message", func(ev slixEvent) bool {
		return ev.Event == "carbon_sent" && ev.To == "bob@localhost" && ev.Body == "from my other device"
	})
}

// TestSlixmppVCard: a vCard published is the vCard fetched.
func TestSlixmppVCard(t *testing.T) {
	srv := slixmppServer(t, "alice")
	alice := slixmppLogin(t, srv, "alice")
	alice.do(t, map[string]any{"cmd": "set_vcard", "fn": "Alice Liddell"})
	if got := alice.do(t, map[string]any{"cmd": "get_vcard", "jid": "alice@localhost"}).FN; got != "Alice Liddell" {
		t.Errorf("vCard FN = %q, want Alice Liddell", got)
	}
}

// TestSlixmppArchiveRightAfterReceiving (issue 13, item 6): a client that
// queries the archive (XEP-0313) the moment a message arrives, as clients
// fetching history do, finds that message.
func TestSlixmppArchiveRightAfterReceiving(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob")
	alice := slixmppLogin(t, srv, "alice")
	bob := slixmppLogin(t, srv, "bob")
	alice.do(t, map[string]any{"cmd": "mam_on_message"})
	bob.do(t, map[string]any{"cmd": "send", "to": "alice@localhost", "body": "archived by now?"})
	alice.expectMessage(t, bob.jid, "archived by now?")
	got := alice.wait(t, "the archive query made on receipt", func(ev slixEvent) bool {
		return (ev.Event == "done" || ev.Event == "error") && ev.Cmd == "mam_on_message"
	})
	if got.Event != "done" || !slices.Contains(got.Bodies, "archived by now?") {
		t.Errorf("archive queried on receipt: %+v, want the message just received among the results", got)
	}
}

// TestSlixmppVCardOfAccountWithoutOne (issue 13, item 7): fetching the vCard
// of an account that never published one gets an empty vCard or
// item-not-found (XEP-0054), not service-unavailable, which clients show
// as an error.
func TestSlixmppVCardOfAccountWithoutOne(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob")
	alice := slixmppLogin(t, srv, "alice")
	got := alice.try(t, map[string]any{"cmd": "get_vcard", "jid": "bob@localhost"})
	switch {
	case got.Event == "done" && got.FN == "":
	case got.Event == "error" && got.Condition == "item-not-found":
	default:
		t.Errorf("vCard of an account without one: %+v, want an empty vCard or item-not-found", got)
	}
}
