package e2e

import (
	"syscall"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestPresenceSurvivesPluginRestart: the presence plugin is killed while
// alice and bob, contacts, are online. Once it is back, bob's new status
// reaches alice and his leaving is announced to her, without either
// having to log in again.
func TestPresenceSurvivesPluginRestart(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	bob, bobJID := login(t, srv, "bob", "b")
	befriend(t, alice, bob, "alice@localhost", "bob@localhost")

	if err := syscall.Kill(pluginProcesses(t, srv.cmd.Process.Pid)["presence"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.waitLog("plugin restarted")

	bob.Send("<presence><show>dnd</show><status>after the restart</status></presence>")
	el, err := alice.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == bobJID && el.FindElement("status") != nil
	})
	if err != nil {
		t.Fatalf("bob's new status never reached alice: %v", err)
	}
	if got := el.FindElement("status").Text(); got != "after the restart" {
		t.Errorf("alice got bob's status %q: %s", got, rawxmpp.Describe(el))
	}
	bob.Conn.Close()
	if _, err := alice.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == bobJID && el.SelectAttrValue("type", "") == "unavailable"
	}); err != nil {
		t.Fatalf("bob's leaving was never announced to alice: %v", err)
	}
}
