package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/debian"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// requireProsody installs Debian's prosody when the test runs as root,
// and otherwise says how.
func requireProsody(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("prosody"); err != nil && os.Geteuid() == 0 {
		t.Log("setting up the interop tests: apt-get install prosody")
		if err := debian.Install(t.Context(), false, "prosody"); err != nil {
			t.Log(err)
		}
	}
	if _, err := exec.LookPath("prosody"); err != nil {
		t.Fatalf("prosody is not installed; as root: apt-get update && apt-get install -y prosody")
	}
}

// prosodyPeer is a Prosody server started by a test: its own config,
// data and log under a temporary directory, DNS answered from its own
// hosts file (libunbound's), so that it finds the Switchboard peer as
// Switchboard finds it, through an override.
type prosodyPeer struct {
	domain string
	c2s    string // host:port of its client listener
	cmd    *exec.Cmd
	log    string
}

// startProsody runs prosody for domain on ip (s2s on 5269, with direct
// TLS on 5270, c2s on 5222),
// with the certificate and the CA it trusts, resolving each of hosts
// ("ip domain") through its own hosts file. secureAuth is Prosody's
// s2s_secure_auth: only peers with valid certificates. bidi loads its
// mod_s2s_bidi (XEP-0288).
func startProsody(t *testing.T, domain, ip, cert, key, caFile string, secureAuth, bidi bool, hosts []string, users ...string) *prosodyPeer {
	t.Helper()
	requireProsody(t)
	dir := t.TempDir()
	hostsFile := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostsFile, []byte(strings.Join(hosts, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	p := &prosodyPeer{domain: domain, c2s: ip + ":5222", log: filepath.Join(dir, "prosody.log")}
	enabled, disabled := "", `"s2s_bidi"; "posix";`
	if bidi {
		enabled, disabled = `"s2s_bidi";`, `"posix";`
	}
	body := fmt.Sprintf(`
run_as_root = true
pidfile = %[1]q
data_path = %[2]q
log = { debug = %[3]q }
interfaces = { %[4]q }
c2s_ports = { 5222 }
s2s_ports = { 5269 }
c2s_direct_tls_ports = { }
s2s_direct_tls_ports = { 5270 }
http_ports = { }
https_ports = { }
modules_enabled = { "roster"; "saslauth"; "tls"; "dialback"; "disco"; "ping"; "vcard"; "presence"; %[12]s }
modules_disabled = { %[11]s }
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = %[5]t
unbound = { hoststxt = %[6]q; resolvconf = false; }
ssl = { certificate = %[7]q; key = %[8]q; cafile = %[9]q; }
VirtualHost %[10]q
`, filepath.Join(dir, "prosody.pid"), filepath.Join(dir, "data"), p.log, ip, secureAuth, hostsFile, cert, key, caFile, domain, disabled, enabled)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		out, err := exec.Command("prosodyctl", "--config", cfg, "register", u, domain, "pw").CombinedOutput()
		if err != nil {
			t.Fatalf("prosodyctl register %s: %v\n%s", u, err, out)
		}
	}
	p.cmd = exec.Command("prosody", "--config", cfg, "-F")
	p.cmd.Dir = dir
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			t.Logf("prosody logged:\n%s", b)
		}
	})
	p.waitLog(t, "Activated service 's2s' on")
	return p
}

// waitLog waits until prosody's log has a line containing s.
func (p *prosodyPeer) waitLog(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		f, err := os.Open(p.log)
		if err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if strings.Contains(sc.Text(), s) {
					f.Close()
					return sc.Text()
				}
			}
			f.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("prosody never logged %q", s)
	return ""
}

func (p *prosodyPeer) login(t *testing.T, user, resource string) (*rawxmpp.Client, string) {
	t.Helper()
	c, full, err := rawxmpp.Login(p.c2s, p.domain, user, "pw", resource)
	if err != nil {
		t.Fatalf("login %s@%s: %v", user, p.domain, err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c, full
}

// TestProsodyInterop: Switchboard (a.test) federates with Debian's
// Prosody (p.test), a server we did not write, both directions: with
// certificates from one CA and s2s_secure_auth (SASL EXTERNAL both
// ways), and with certificates neither trusts (dialback both ways, each
// server in both roles). Messages go both ways, a ping to the other
// server is answered, and the users subscribe to each other.
func TestProsodyInterop(t *testing.T) {
	for _, mode := range []string{"external", "dialback"} {
		t.Run(mode, func(t *testing.T) {
			ca := newTestCA(t)
			network := loopbackNet()
			a := &fedPeer{domain: "a.test", addr: network + "1:5269", users: []string{"alice"}, dialback: mode == "dialback"}
			a.cert, a.key = ca.issue(a.domain)
			pCA := ca
			if mode == "dialback" {
				pCA = newTestCA(t) // neither trusts the other's CA
			}
			pCert, pKey := pCA.issue("p.test")
			pros := startProsody(t, "p.test", network+"2", pCert, pKey, pCA.file, mode == "external", false, []string{network + "1 a.test"}, "pat")
			startFederated(t, ca.file, []string{"p.test=" + network + "2:5269"}, a)

			alice, aliceJID := a.login(t, "alice", "home")
			pat, patJID := pros.login(t, "pat", "desk")
			iq(t, alice, "r1", "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
			iq(t, pat, "r2", "<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>")

			alice.Send("<message type='chat' to='pat@p.test' id='m1'><body>hello prosody</body></message>")
			if m := expectEach(t, pat, isMsg("m1"))[0]; m.SelectAttrValue("from", "") != aliceJID {
				t.Fatalf("pat got %s", describe(m))
			}
			pat.Sendf("<message type='chat' to='%s' id='m2'><body>hello switchboard</body></message>", aliceJID)
			if m := expectEach(t, alice, isMsg("m2"))[0]; m.SelectAttrValue("from", "") != patJID {
				t.Fatalf("alice got %s", describe(m))
			}
			if r := iq(t, alice, "p1", "<iq type='get' to='p.test' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"); r.SelectAttrValue("type", "") != "result" {
				t.Fatalf("ping to p.test: %s", describe(r))
			}
			if r := iq(t, pat, "p2", "<iq type='get' to='a.test' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>"); r.SelectAttrValue("type", "") != "result" {
				t.Fatalf("ping to a.test: %s", describe(r))
			}

			alice.Send("<presence to='pat@p.test' type='subscribe'/>")
			expectPresence(t, pat, "alice@a.test", "subscribe")
			pat.Send("<presence to='alice@a.test' type='subscribed'/>")
			expectEach(t, alice, isPush("pat@p.test", "to", false), isPresence(patJID, ""))
			pat.Send("<presence to='alice@a.test' type='subscribe'/>")
			expectPresence(t, alice, "pat@p.test", "subscribe")
			alice.Send("<presence to='pat@p.test' type='subscribed'/>")
			expectEach(t, alice, isPush("pat@p.test", "both", false))
			expectPresence(t, pat, aliceJID, "")

			want := "SASL EXTERNAL"
			if mode == "dialback" {
				want = "dialback"
			}
			a.waitLogWhere("p.test authenticated at a.test with "+want, func(l map[string]any) bool {
				return l["@message"] == "a remote server authenticated" && l["domain"] == "p.test" && l["auth"] == want
			})
			a.waitLogWhere("a.test's stream to p.test with "+want, func(l map[string]any) bool {
				return l["@message"] == "stream to a remote server established" && l["domain"] == "p.test" && l["auth"] == want
			})
		})
	}
}

// TestProsodyBidi: with Prosody's mod_s2s_bidi loaded, one connection
// carries both directions (XEP-0288), whichever server opens it:
// messages and pings go both ways, the initiator asked for
// bidirectionality, and the other server never connects back.
func TestProsodyBidi(t *testing.T) {
	for _, first := range []string{"switchboard", "prosody", "switchboard with direct TLS"} {
		t.Run(first+" connects", func(t *testing.T) {
			ca := newTestCA(t)
			network := loopbackNet()
			a := &fedPeer{domain: "a.test", addr: network + "1:5269", users: []string{"alice"}}
			a.cert, a.key = ca.issue(a.domain)
			pCert, pKey := ca.issue("p.test")
			pros := startProsody(t, "p.test", network+"2", pCert, pKey, ca.file, true, true, []string{network + "1 a.test"}, "pat")
			// With direct TLS, s2s.hosts names Prosody's direct TLS port
			// alone (XEP-0368): STARTTLS there would fail.
			pAddr := "p.test=" + network + "2:5269"
			if first == "switchboard with direct TLS" {
				pAddr = "p.test=tls://" + network + "2:5270"
			}
			startFederated(t, ca.file, []string{pAddr}, a)

			alice, aliceJID := a.login(t, "alice", "home")
			pat, patJID := pros.login(t, "pat", "desk")
			toPat := func(id string) {
				alice.Sendf("<message type='chat' to='%s' id='%s'><body>hello prosody</body></message>", patJID, id)
				if m := expectEach(t, pat, isMsg(id))[0]; m.SelectAttrValue("from", "") != aliceJID {
					t.Fatalf("pat got %s", describe(m))
				}
			}
			toAlice := func(id string) {
				pat.Sendf("<message type='chat' to='%s' id='%s'><body>hello switchboard</body></message>", aliceJID, id)
				if m := expectEach(t, alice, isMsg(id))[0]; m.SelectAttrValue("from", "") != patJID {
					t.Fatalf("alice got %s", describe(m))
				}
			}
			if first != "prosody" {
				toPat("m1")
				toAlice("m2")
			} else {
				toAlice("m1")
				toPat("m2")
			}
			if r := iq(t, alice, "p1", "<iq type='get' to='p.test' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"); r.SelectAttrValue("type", "") != "result" {
				t.Fatalf("ping to p.test: %s", describe(r))
			}
			if r := iq(t, pat, "p2", "<iq type='get' to='a.test' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>"); r.SelectAttrValue("type", "") != "result" {
				t.Fatalf("ping to a.test: %s", describe(r))
			}

			if first != "prosody" {
				a.waitLogWhere("a.test's bidirectional stream to p.test", func(l map[string]any) bool {
					return l["@message"] == "stream to a remote server established" && l["domain"] == "p.test" && l["bidi"] == true
				})
				pros.waitLog(t, "Requested bidirectional stream")
				if l := a.linesWith("a remote server authenticated"); len(l) != 0 {
					t.Fatalf("p.test connected back to a.test: %v", l)
				}
			} else {
				a.waitLogWhere("p.test's bidirectional stream to a.test", func(l map[string]any) bool {
					return l["@message"] == "a remote server authenticated" && l["domain"] == "p.test" && l["bidi"] == true
				})
				pros.waitLog(t, "Requesting bidirectional stream")
				if l := a.linesWith("stream to a remote server established"); len(l) != 0 {
					t.Fatalf("a.test opened a stream of its own to p.test: %v", l)
				}
			}
		})
	}
}
