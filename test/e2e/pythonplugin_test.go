package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/debian"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// pythonSetup is what a developer runs once, as root, to give the Python
// plugin its runtime; the test does the same when it runs as root.
const pythonSetup = "apt-get update && apt-get install -y python3-grpcio python3-grpc-tools python3-protobuf python3-cryptography"

// requirePythonGRPC makes sure Debian's Python has what
// examples/plugins/python-motd imports, installing it when root. It fails
// the test, never skips it, when something is still missing.
func requirePythonGRPC(t *testing.T) {
	t.Helper()
	check := func() error {
		return exec.Command("/usr/bin/python3", "-c", "import grpc, google.protobuf, cryptography").Run()
	}
	if check() != nil && os.Geteuid() == 0 {
		t.Logf("setting up the Python plugin test: %s", pythonSetup)
		if err := debian.Install(t.Context(), false, "python3-grpcio", "python3-grpc-tools", "python3-protobuf", "python3-cryptography"); err != nil {
			t.Log(err)
		}
	}
	if err := check(); err != nil {
		t.Fatalf("/usr/bin/python3 cannot import grpc, google.protobuf and cryptography (%v): run as root: %s", err, pythonSetup)
	}
}

// TestPythonPlugin: examples/plugins/python-motd, a plugin in Python that
// speaks the contract without the Go sdk, loaded by path like any plugin:
// it greets on login, answers its IQ, shows in disco, keeps a user's note
// through the Host's store across a SIGKILL that its users' sessions
// survive, is refused a send as a user it was not granted, and stops
// gracefully with the server.
func TestPythonPlugin(t *testing.T) {
	requirePythonGRPC(t)
	plugin, err := filepath.Abs("../../examples/plugins/python-motd/python-motd")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	write := func(message string) {
		body := "plugins:\n  python-motd:\n    path: " + plugin + "\n    config:\n      message: " + message + "\n"
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Its Configure refuses a blank message, and the server says why.
	write(`" "`)
	if out, err := run(t, dir, nil, "", "serve", "--config", cfg, "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0"); err == nil || !strings.Contains(out, "message is required") {
		t.Fatalf("serve with a blank message: err %v, output:\n%s", err, out)
	}
	write("Welcome from Python")
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")

	alice, _ := login(t, srv, "alice", "a")
	if got := headline(t, alice); got != "Welcome from Python" {
		t.Errorf("message of the day: %q", got)
	}
	info := iq(t, alice, "info", "<iq type='get' to='localhost' id='info'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if info.FindElement("query/feature[@var='urn:example:python-motd']") == nil {
		t.Errorf("the server's disco#info lacks the plugin's feature: %s", rawxmpp.Describe(info))
	}
	if got := note(t, alice, "n1"); got != "" {
		t.Errorf("note before any was set: %q", got)
	}
	r := iq(t, alice, "set1", "<iq type='set' to='localhost' id='set1'><note xmlns='urn:example:python-motd'>buy milk</note></iq>")
	if r.SelectAttrValue("type", "") != "result" || r.SelectAttrValue("from", "") != "localhost" {
		t.Fatalf("setting the note: %s", rawxmpp.Describe(r))
	}
	if got := note(t, alice, "n2"); got != "buy milk" {
		t.Errorf("note after setting it: %q", got)
	}
	r = iq(t, alice, "bad", "<iq type='get' to='localhost' id='bad'><other xmlns='urn:example:python-motd'/></iq>")
	if r.FindElement("error/bad-request") == nil {
		t.Errorf("an IQ the plugin does not know: %s", rawxmpp.Describe(r))
	}

	// Sharing sends as alice, which the plugin was not granted: refused,
	// and bob gets nothing from it — the chat alice sends next is the
	// first message he sees after his greeting.
	bob, _ := login(t, srv, "bob", "b")
	headline(t, bob)
	r = iq(t, alice, "share", "<iq type='set' to='localhost' id='share'><share xmlns='urn:example:python-motd' to='bob@localhost'/></iq>")
	if r.FindElement("error/forbidden") == nil || !strings.Contains(r.FindElement("error/text").Text(), "send_as_users") {
		t.Errorf("sharing as alice without send_as_users: %s", rawxmpp.Describe(r))
	}
	alice.Send("<message type='chat' to='bob@localhost' id='direct'><body>hi</body></message>")
	if m, err := bob.Expect(rawxmpp.Is("message")); err != nil || m.SelectAttrValue("id", "") != "direct" {
		t.Errorf("bob's first message after the refused share: %v %s", err, rawxmpp.Describe(m))
	}

	// SIGKILL the Python process: alice stays connected, the plugin comes
	// back as a new process, and her note is still there.
	pid := pluginProcesses(t, srv.cmd.Process.Pid)["python3"]
	if pid == 0 {
		t.Fatalf("no python3 process under the server: %v", pluginProcesses(t, srv.cmd.Process.Pid))
	}
	mark := srv.logMark()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.waitLogFrom(mark, "python-motd restarted", func(l map[string]any) bool {
		mod, _ := l["@module"].(string)
		return l["@message"] == "plugin restarted" && strings.HasSuffix(mod, "python-motd")
	})
	if got := note(t, alice, "n3"); got != "buy milk" {
		t.Errorf("note after the plugin was killed and restarted: %q", got)
	}
	if again := pluginProcesses(t, srv.cmd.Process.Pid)["python3"]; again == 0 || again == pid {
		t.Errorf("python3 process after the restart: %d, before: %d", again, pid)
	}
	alice2, _ := login(t, srv, "alice", "a2")
	if got := headline(t, alice2); got != "Welcome from Python\nYour note: buy milk" {
		t.Errorf("message of the day with a note: %q", got)
	}

	// The server stops it through go-plugin's controller: it exits by
	// itself, in time.
	if err := srv.stop(); err != nil {
		t.Fatalf("server stop: %v", err)
	}
	if log := srv.logText(); strings.Contains(log, "failed to exit gracefully") {
		t.Errorf("the plugin did not stop when asked:\n%s", log)
	}
}

// headline returns the body of the next headline message c receives.
func headline(t *testing.T, c *rawxmpp.Client) string {
	t.Helper()
	el, err := c.Expect(func(el *etree.Element) bool {
		return el.Tag == "message" && el.SelectAttrValue("type", "") == "headline"
	})
	if err != nil {
		t.Fatalf("waiting for the message of the day: %v", err)
	}
	return el.FindElement("body").Text()
}

// note reads the user's note through the plugin's IQ.
func note(t *testing.T, c *rawxmpp.Client, id string) string {
	t.Helper()
	r := iq(t, c, id, "<iq type='get' to='localhost' id='%s'><note xmlns='urn:example:python-motd'/></iq>", id)
	n := r.FindElement("note")
	if r.SelectAttrValue("type", "") != "result" || n == nil || n.NamespaceURI() != "urn:example:python-motd" {
		t.Fatalf("reading the note: %s", rawxmpp.Describe(r))
	}
	return n.Text()
}
