package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	byteorder "encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/debian"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// coturnHelp is what a developer runs once to give the extdisco test its
// TURN server; the test does it itself when it runs as root.
const coturnHelp = "install it once: apt-get update && apt-get install -y coturn"

// requireCoturn installs Debian's coturn (turnserver, turnutils_uclient)
// when it is missing and the test runs as root, and fails, never skips,
// when it is still missing.
func requireCoturn(t *testing.T) {
	t.Helper()
	missing := func() error {
		for _, p := range []string{"turnserver", "turnutils_uclient"} {
			if _, err := exec.LookPath(p); err != nil {
				return err
			}
		}
		return nil
	}
	if missing() != nil && os.Geteuid() == 0 {
		t.Log("setting up the extdisco test: apt-get install coturn")
		if err := debian.Install(t.Context(), false, "coturn"); err != nil {
			t.Log(err)
		}
	}
	if err := missing(); err != nil {
		t.Fatalf("Debian's coturn is not installed: %v; %s", err, coturnHelp)
	}
}

// turnServer is a coturn turnserver run by the test.
type turnServer struct {
	ip     string
	port   int
	secret string
}

// startCoturn runs turnserver in the foreground on a loopback address of
// its own, with the TURN REST API secret (use-auth-secret), and waits
// until it answers a STUN binding request.
func startCoturn(t *testing.T) turnServer {
	t.Helper()
	requireCoturn(t)
	// A random 127.x address keeps the relay ports clear of whatever else
	// runs on the machine.
	var b [3]byte
	rand.Read(b[:])
	ts := turnServer{ip: fmt.Sprintf("127.%d.%d.%d", 64+b[0]%128, b[1], 2+b[2]%250), secret: rand.Text()}
	pc, err := net.ListenPacket("udp", ts.ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	ts.port = pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()

	dir := t.TempDir()
	conf := filepath.Join(dir, "turnserver.conf")
	os.WriteFile(conf, []byte(strings.Join([]string{
		"listening-ip=" + ts.ip,
		"relay-ip=" + ts.ip,
		fmt.Sprintf("listening-port=%d", ts.port),
		"min-port=49152", "max-port=49352",
		"use-auth-secret",
		"static-auth-secret=" + ts.secret,
		"realm=localhost",
		"no-cli", "no-tls", "no-dtls",
		// turnutils_uclient -y relays between two allocations, both on
		// loopback.
		"allow-loopback-peers",
		"log-file=stdout", "simple-log",
		"pidfile=" + filepath.Join(dir, "turnserver.pid"),
		"userdb=" + filepath.Join(dir, "turndb"),
	}, "\n")+"\n"), 0o600)
	cmd := exec.Command("turnserver", "-c", conf)
	var log lockedLog
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting turnserver: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("turnserver log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for !stunAnswers(ts.ip, ts.port) {
		if time.Now().After(deadline) {
			t.Fatalf("turnserver on %s:%d never answered STUN; log:\n%s", ts.ip, ts.port, log.String())
		}
	}
	return ts
}

// stunAnswers sends a STUN binding request (RFC 8489 §6) and reports
// whether a success response comes back within a short wait.
func stunAnswers(ip string, port int) bool {
	c, err := net.Dial("udp", net.JoinHostPort(ip, fmt.Sprint(port)))
	if err != nil {
		return false
	}
	defer c.Close()
	req := make([]byte, 20)
	byteorder.BigEndian.PutUint16(req[0:], 0x0001) // Binding request
	byteorder.BigEndian.PutUint32(req[4:], 0x2112A442)
	rand.Read(req[8:20])
	c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Write(req); err != nil {
		return false
	}
	resp := make([]byte, 1500)
	n, err := c.Read(resp)
	return err == nil && n >= 20 && byteorder.BigEndian.Uint16(resp) == 0x0101 && bytes.Equal(resp[8:20], req[8:20])
}

type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// allocate runs turnutils_uclient against the TURN server with a username
// and password: two clients each allocate a relay and send each other a
// message through them (-y, without RTCP: -c), then it exits.
func allocate(t *testing.T, ts turnServer, username, password string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "turnutils_uclient", "-y", "-c", "-n", "1", "-u", username, "-w", password, "-p", fmt.Sprint(ts.port), ts.ip)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// A logged-in user asks the server for its TURN servers (XEP-0215), and
// Debian's coturn, sharing the secret, accepts the credentials the server
// made: a relay is allocated and carries data. A password not made with
// the secret is refused, so the test can fail.
func TestExtDiscoCoturnAcceptsCredentials(t *testing.T) {
	ts := startCoturn(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	config := func(extra string) string {
		return fmt.Sprintf(`plugins:
  extdisco:
    config:
      secret: %s
      credential_lifetime: 10m
      services:
        - {host: %s, port: %d, type: stun}
        - {host: %s, port: %d, type: turn}
%s`, ts.secret, ts.ip, ts.port, ts.ip, ts.port, extra)
	}
	os.WriteFile(cfg, []byte(config("")), 0o600)
	if out, err := run(t, dir, nil, "", "user", "add", "alice@localhost", "--password", "pw", "--config", cfg); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")

	t.Run("not before authentication", func(t *testing.T) {
		c, err := rawxmpp.Dial(srv.starttls)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Conn.Close()
		if err := c.OpenStream("localhost"); err != nil {
			t.Fatal(err)
		}
		if err := c.StartTLS("localhost"); err != nil {
			t.Fatal(err)
		}
		c.Send("<iq type='get' id='pre' to='localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>")
		el, err := c.Expect(func(el *etree.Element) bool { return el.Tag == "error" || el.Tag == "iq" })
		if err != nil || el.Tag != "error" || el.SelectElement("not-authorized") == nil {
			t.Fatalf("a request before authentication got %s (%v), want the stream error not-authorized", rawxmpp.Describe(el), err)
		}
	})

	c, _ := login(t, srv, "alice", "phone")
	info := iq(t, c, "d", "<iq type='get' id='d' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if info.FindElement("query/feature[@var='urn:xmpp:extdisco:2']") == nil {
		t.Errorf("the server's disco#info lacks urn:xmpp:extdisco:2: %s", rawxmpp.Describe(info))
	}
	r := iq(t, c, "s", "<iq type='get' id='s' to='localhost'><services xmlns='urn:xmpp:extdisco:2' type='turn'/></iq>")
	turn := r.FindElement("services/service[@type='turn']")
	if r.SelectAttrValue("type", "") != "result" || turn == nil || len(r.FindElements("services/service")) != 1 {
		t.Fatalf("services of type turn: %s", rawxmpp.Describe(r))
	}
	username, password := turn.SelectAttrValue("username", ""), turn.SelectAttrValue("password", "")
	if turn.SelectAttrValue("host", "") != ts.ip || turn.SelectAttrValue("port", "") != fmt.Sprint(ts.port) || !strings.HasSuffix(username, ":alice@localhost") {
		t.Fatalf("the TURN service: %s", rawxmpp.Describe(turn))
	}
	expires, err := time.Parse(time.RFC3339, turn.SelectAttrValue("expires", ""))
	if err != nil || time.Until(expires) < 9*time.Minute || time.Until(expires) > 10*time.Minute {
		t.Errorf("expires %q, want about 10m from now (credential_lifetime)", turn.SelectAttrValue("expires", ""))
	}

	if out, err := allocate(t, ts, username, password); err != nil {
		t.Fatalf("coturn refused the server's credentials: %v\n%s", err, out)
	} else if !strings.Contains(out, "tot_recv_msgs=") {
		t.Fatalf("turnutils_uclient exited 0 without relaying:\n%s", out)
	}
	wrong := []byte(password)
	wrong[0] ^= 1
	if out, err := allocate(t, ts, username, string(wrong)); err == nil {
		t.Fatalf("coturn accepted a wrong password, so the test proves nothing:\n%s", out)
	}

	// Credentials asked for by name (§3.3) are accepted too.
	r = iq(t, c, "c", "<iq type='get' id='c' to='localhost'><credentials xmlns='urn:xmpp:extdisco:2'><service host='%s' type='turn' port='%d'/></credentials></iq>", ts.ip, ts.port)
	cr := r.FindElement("credentials/service")
	if cr == nil {
		t.Fatalf("credentials: %s", rawxmpp.Describe(r))
	}
	if out, err := allocate(t, ts, cr.SelectAttrValue("username", ""), cr.SelectAttrValue("password", "")); err != nil {
		t.Fatalf("coturn refused the credentials asked for: %v\n%s", err, out)
	}

	// A reload that adds a TURN server over TCP is pushed to the session,
	// which asked for type turn (§3.2).
	os.WriteFile(cfg, []byte(config(fmt.Sprintf("        - {host: %s, port: %d, type: turn, transport: tcp}\n", ts.ip, ts.port))), 0o600)
	srv.cmd.Process.Signal(syscall.SIGHUP)
	push, err := c.Expect(func(el *etree.Element) bool {
		return el.Tag == "iq" && el.SelectAttrValue("type", "") == "set" && el.SelectElement("services") != nil
	})
	if err != nil {
		t.Fatalf("no push after the reload: %v", err)
	}
	added := push.FindElements("services/service")
	if len(added) != 1 || added[0].SelectAttrValue("action", "") != "add" || added[0].SelectAttrValue("transport", "") != "tcp" || added[0].SelectAttrValue("password", "") == "" {
		t.Fatalf("push: %s", rawxmpp.Describe(push))
	}
	c.Sendf("<iq type='result' id='%s' to='localhost'/>", push.SelectAttrValue("id", ""))
}
