package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestCrashKeepsAcknowledgedMessages kills the server with SIGKILL while
// messages to an offline user are being acknowledged (XEP-0198 counts),
// restarts it, and checks that every message the server acknowledged
// reaches the user at their next login.
func TestCrashKeepsAcknowledgedMessages(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	// Room for every message in bob's offline queue (the default quota is 100).
	os.WriteFile(cfg, []byte("domain: localhost\nplugins:\n  offline:\n    config:\n      max_messages: 1000\n"), 0o644)
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	alice, _, err := rawxmpp.Login(srv.starttls, "localhost", "alice", "pw", "a")
	if err != nil {
		t.Fatal(err)
	}
	alice.Send("<enable xmlns='urn:xmpp:sm:3'/>")
	if _, err := alice.Expect(rawxmpp.Is("enabled")); err != nil {
		t.Fatal(err)
	}
	acked := 0
	sent := 0
	for burst := 0; burst < 10; burst++ {
		for i := 0; i < 20; i++ {
			alice.Sendf("<message to='bob@localhost' type='chat' id='o%d'><body>offline %d</body></message>", sent, sent)
			sent++
		}
		// A message counts as handled once stored, and the stream is read
		// on meanwhile: ask until the burst is acknowledged.
		deadline := time.Now().Add(30 * time.Second)
		for acked < sent {
			if time.Now().After(deadline) {
				t.Fatalf("the server acknowledged %d of %d messages", acked, sent)
			}
			alice.Send("<r xmlns='urn:xmpp:sm:3'/>")
			a, err := alice.Expect(func(el *etree.Element) bool { return el.Tag == "a" })
			if err != nil {
				t.Fatal(err)
			}
			acked, _ = strconv.Atoi(a.SelectAttrValue("h", ""))
		}
	}
	// More messages on the wire while the server dies: they may or may not
	// be kept, but the acknowledged ones must be.
	for i := 0; i < 50; i++ {
		alice.Sendf("<message to='bob@localhost' type='chat' id='o%d'><body>in flight</body></message>", sent)
		sent++
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.exit
	if acked < 200 {
		t.Fatalf("the server acknowledged only %d of the 200 messages before the kill", acked)
	}

	srv2 := startServer(t, dir, nil, "--config", cfg)
	srv2.waitLog("server started")
	bob, _, err := rawxmpp.Login(srv2.starttls, "localhost", "bob", "pw", "b")
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Conn.Close()
	got := map[string]bool{}
	for len(got) < acked {
		el, err := bob.Expect(func(el *etree.Element) bool { return el.Tag == "message" })
		if err != nil {
			t.Fatalf("after the crash bob got %d of the %d acknowledged messages: %v", len(got), acked, err)
		}
		got[el.SelectAttrValue("id", "")] = true
	}
	for i := 0; i < acked; i++ {
		if !got[fmt.Sprintf("o%d", i)] {
			t.Errorf("acknowledged message o%d was lost in the crash", i)
		}
	}
	t.Logf("%d acknowledged messages all delivered after SIGKILL and restart (%d sent)", acked, sent)
}
