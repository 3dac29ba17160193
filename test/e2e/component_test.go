package e2e

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// componentServer runs the server with one external component configured,
// gateway.localhost with secret s3cret, and returns it with the address
// components connect to.
func componentServer(t *testing.T) (*server, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	body := "listen:\n  component: 127.0.0.1:0\ncomponents:\n  gateway:\n    domain: gateway.localhost\n    secret: s3cret\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, dir, nil, "", "user", "add", "alice@localhost", "--password", "pw", "--config", cfg); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	addr := srv.waitLog("listening for components")["addr"].(string)
	srv.waitLog("server started")
	return srv, addr
}

// TestSlixmppComponent: slixmpp's ComponentXMPP, a component library we did
// not write, connects as gateway.localhost with its shared secret (XEP-0114)
// and owns that domain as a service plugin would: the server's disco#items
// lists it while it is connected, disco#info on it is the component's own,
// and a message to a JID in its domain reaches it and is answered.
func TestSlixmppComponent(t *testing.T) {
	requireSlixmpp(t)
	srv, addr := componentServer(t)
	host, port, _ := strings.Cut(addr, ":")
	comp := exec.Command(debianPython, "testdata/slixmpp_component.py", "gateway.localhost", "s3cret", host, port)
	stdin, err := comp.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := comp.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	comp.Stderr = &stderr
	if err := comp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- comp.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			comp.Process.Kill()
		}
	})
	events := make(chan map[string]string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			ev := map[string]string{}
			json.Unmarshal(sc.Bytes(), &ev)
			events <- ev
		}
		close(events)
	}()
	next := func(what string) map[string]string {
		t.Helper()
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("the component exited waiting for %s; stderr:\n%s", what, stderr.String())
				}
				if ev["event"] == what {
					return ev
				}
				if ev["event"] == "disconnected" {
					t.Fatalf("the component was disconnected waiting for %s; stderr:\n%s", what, stderr.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("no %s from the component within 20 s; stderr:\n%s", what, stderr.String())
			}
		}
	}
	next("session_start")
	srv.waitLog("component connected")

	alice, aliceJID := login(t, srv, "alice", "a")
	items := iq(t, alice, "items", "<iq type='get' to='localhost' id='items'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
	if items.FindElement("query/item[@jid='gateway.localhost']") == nil {
		t.Fatalf("the server's disco#items does not list the component: %s", rawxmpp.Describe(items))
	}
	info := iq(t, alice, "info", "<iq type='get' to='gateway.localhost' id='info'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if id := info.FindElement("query/identity"); info.SelectAttrValue("from", "") != "gateway.localhost" || id == nil || id.SelectAttrValue("category", "") != "gateway" {
		t.Fatalf("disco#info of the component: %s", rawxmpp.Describe(info))
	}
	alice.Send("<message type='chat' to='bot@gateway.localhost' id='c1'><body>hello component</body></message>")
	if ev := next("message"); ev["from"] != aliceJID || ev["body"] != "hello component" {
		t.Fatalf("the component got %v", ev)
	}
	el, err := alice.Expect(func(el *etree.Element) bool { return el.Tag == "message" && el.FindElement("body") != nil })
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("from", "") != "bot@gateway.localhost" || el.FindElement("body").Text() != "echo: hello component" || el.SelectAttrValue("xmlns", "") != "jabber:client" {
		t.Fatalf("the component's answer: %s", rawxmpp.Describe(el))
	}
}

// TestComponentHandshake: a component with a wrong secret, or one for a
// domain nobody configured, is refused with the XEP-0114 stream errors; a
// stanza from outside its domain ends the stream with invalid-from.
func TestComponentHandshake(t *testing.T) {
	_, addr := componentServer(t)
	open := func(domain string) (net.Conn, *bufio.Reader, string) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='" + domain + "'>"))
		r := bufio.NewReader(c)
		head, err := r.ReadString('>') // the XML declaration
		if err == nil && strings.HasPrefix(head, "<?xml") {
			head, err = r.ReadString('>')
		}
		if err != nil {
			t.Fatal(err)
		}
		id := ""
		if i := strings.Index(head, "id='"); i >= 0 {
			id = head[i+4:]
			id = id[:strings.IndexByte(id, '\'')]
		}
		return c, r, id
	}
	rest := func(r *bufio.Reader) string {
		b := make([]byte, 4096)
		n, _ := r.Read(b)
		return string(b[:n])
	}
	if _, r, _ := open("nobody.localhost"); !strings.Contains(rest(r), "host-unknown") {
		t.Error("a component for an unconfigured domain was not refused with host-unknown")
	}
	c, r, _ := open("gateway.localhost")
	c.Write([]byte("<handshake>0000000000000000000000000000000000000000</handshake>"))
	if got := rest(r); !strings.Contains(got, "not-authorized") {
		t.Errorf("a wrong handshake got %q, want not-authorized", got)
	}
	c, r, id := open("gateway.localhost")
	c.Write([]byte("<handshake>" + handshakeDigest(id, "s3cret") + "</handshake>"))
	if got := rest(r); !strings.Contains(got, "<handshake/>") {
		t.Fatalf("the right handshake got %q", got)
	}
	c.Write([]byte("<message from='mallory@localhost' to='alice@localhost'><body>forged</body></message>"))
	if got := rest(r); !strings.Contains(got, "invalid-from") {
		t.Errorf("a stanza from outside the component's domain got %q, want invalid-from", got)
	}
}

func handshakeDigest(id, secret string) string {
	sum := sha1.Sum([]byte(id + secret))
	return hex.EncodeToString(sum[:])
}
