package e2e

import (
	"strings"
	"testing"

	"mellium.im/sasl"
)

// TestPluginsOnDemandWithStockClients runs the built-in plugins with a short
// memory.stop_idle_plugins: with nobody online the plugins that may stop do,
// and a stock client library logging in afterwards gets what it got with
// them running (presence, chat, a message kept while its recipient was
// offline), each stopped plugin started again by the stanza or event for
// it; once everyone has gone, presence stops again.
func TestPluginsOnDemandWithStockClients(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", u+"-pw"); err != nil {
			t.Fatalf("user add: %v\n%s", err, out)
		}
	}
	srv := startServer(t, dir, []string{"SWITCHBOARD_MEMORY_STOP_IDLE_PLUGINS=1s"})
	defer func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	}()
	logged := func(mark int, message string, plugins ...string) {
		t.Helper()
		for _, p := range plugins {
			srv.waitLogFrom(mark, p+": "+message, func(l map[string]any) bool {
				m, _ := l["@message"].(string)
				mod, _ := l["@module"].(string)
				return strings.HasPrefix(m, message) && strings.HasSuffix(mod, ".plugin."+p)
			})
		}
	}
	logged(0, "plugin stopped after a quiet spell", "presence", "roster", "pep", "offline", "disco", "ping")

	mark := srv.logMark()
	alice := melliumLogin(t, srv.starttls, false, "alice", "alice-pw", sasl.ScramSha256)
	sendPresence(t, alice)
	aliceJID := alice.LocalAddr().String()
	alice.sendChat(t, "bob@localhost", "while you were away")
	bob := melliumLogin(t, srv.direct, true, "bob", "bob-pw", sasl.ScramSha256)
	sendPresence(t, bob)
	bob.expectChat(t, aliceJID, "while you were away")
	bob.sendChat(t, aliceJID, "back now")
	alice.expectChat(t, bob.LocalAddr().String(), "back now")
	logged(mark, "plugin started for a call after a quiet spell", "presence", "offline", "ping")

	mark = srv.logMark()
	alice.Close()
	bob.Close()
	logged(mark, "plugin stopped after a quiet spell", "presence")
}
