package e2e

import (
	"github.com/beevik/etree"

	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// pluginProcesses returns the pids of `switchboard plugin NAME` children
// of pid, by name, read from /proc as ps would.
func pluginProcesses(t *testing.T, parent int) map[string]int {
	t.Helper()
	out := map[string]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(parent) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		switch {
		case len(args) == 3 && args[1] == "plugin":
			out[args[2]] = pid
		case len(args) >= 1:
			out[filepath.Base(args[0])] = pid
		}
	}
	return out
}

func ping(t *testing.T, c *rawxmpp.Client, id string) string {
	t.Helper()
	c.Sendf("<iq type='get' to='localhost' id='%s'><ping xmlns='urn:xmpp:ping'/></iq>", id)
	el, err := c.Expect(rawxmpp.ID(id))
	if err != nil {
		t.Fatalf("ping %s: %v", id, err)
	}
	if e := el.SelectElement("error"); e != nil && len(e.ChildElements()) > 0 {
		return e.ChildElements()[0].Tag
	}
	return el.SelectAttrValue("type", "")
}

func buildExample(t *testing.T, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, "github.com/switchboard-xmpp/switchboard/"+pkg)
	// An example with a go.mod of its own (motd) is a module apart, as an
	// author's plugin is: built in its directory, from its go.mod and go.sum
	// as committed.
	dir := filepath.Join("..", "..", pkg)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		cmd = exec.Command("go", "build", "-o", out, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, b)
	}
	return out
}

// TestPluginsAsAUserSeesThem: built-ins run as their own processes, a
// third-party plugin loads by path, SIGHUP with a plugin disabled removes
// its routes, and killing a plugin leaves every client connected.
func TestPluginsAsAUserSeesThem(t *testing.T) {
	dir := t.TempDir()
	motd := buildExample(t, "examples/plugins/motd")
	cfgPath := filepath.Join(dir, "switchboard.yaml")
	writeConfig := func(body string) {
		if err := os.WriteFile(cfgPath, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("plugins:\n  motd:\n    path: " + motd + "\n    config:\n      message: Welcome to Switchboard\n")
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfgPath); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfgPath)
	srv.waitLog("server started")

	procs := pluginProcesses(t, srv.cmd.Process.Pid)
	if procs["ping"] == 0 || procs["motd"] == 0 {
		t.Fatalf("plugin processes under the server: %v; want ping and motd", procs)
	}

	alice, _, err := rawxmpp.Login(srv.starttls, "localhost", "alice", "pw", "a")
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Conn.Close()
	el, err := alice.Expect(func(el *etree.Element) bool { return el.Tag == "message" })
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("type", "") != "headline" || el.FindElement("body").Text() != "Welcome to Switchboard" {
		t.Errorf("message of the day: %s", rawxmpp.Describe(el))
	}
	if got := ping(t, alice, "p1"); got != "result" {
		t.Fatalf("ping through the plugin: %s", got)
	}

	// Kill the ping plugin: alice stays connected, ping comes back.
	if err := syscall.Kill(procs["ping"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.waitLog("plugin restarted")
	if got := ping(t, alice, "p2"); got != "result" {
		t.Fatalf("ping after the plugin restarted: %s", got)
	}

	// Disable ping and reload: its route is gone, the session stays.
	writeConfig("plugins:\n  ping:\n    enabled: false\n  motd:\n    path: " + motd + "\n    config:\n      message: Welcome to Switchboard\n")
	srv.cmd.Process.Signal(syscall.SIGHUP)
	srv.waitLog("configuration reloaded")
	if got := ping(t, alice, "p3"); got != "service-unavailable" {
		t.Fatalf("ping with the plugin disabled: %s, want service-unavailable", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for pluginProcesses(t, srv.cmd.Process.Pid)["ping"] != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the disabled plugin's process is still running")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConfigCheckAsksAThirdPartyPlugin: config check launches a plugin
// named by path and has it check its section, so a misspelt key in it is
// named before the server starts; a correct section passes.
func TestConfigCheckAsksAThirdPartyPlugin(t *testing.T) {
	dir := t.TempDir()
	motd := buildExample(t, "examples/plugins/motd")
	cfg := filepath.Join(dir, "switchboard.yaml")
	for _, tc := range []struct{ section, want string }{
		{"mesage: hello", `plugins.motd.config: decoding config: unknown key "mesage"`},
		{"message: hello", "OK"},
	} {
		body := "data_dir: " + dir + "\nplugins:\n  motd:\n    path: " + motd + "\n    config:\n      " + tc.section + "\n"
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := run(t, dir, nil, "", "config", "check", "--config", cfg, "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0")
		if !strings.Contains(out, tc.want) || (tc.want == "OK") != (err == nil) {
			t.Errorf("motd config %q: %v %q, want %q", tc.section, err, out, tc.want)
		}
	}
}
