package server

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// A stanza the plugin takes longer than limits.plugin_timeout over is
// answered with an error, and the plugin is told to stop working on it.
func TestPluginCallTimesOut(t *testing.T) {
	// Short enough for the test, long enough that the ordinary calls after
	// it are not timed out too on a loaded machine.
	s := startWith(t, func(c *config.Config) { c.Limits.PluginTimeout = 1500 * time.Millisecond }, withPlugins("echo"))
	c, _ := s.login(t, "alice", "r")
	c.Sendf("<iq type='get' to='localhost' id='slow'><q xmlns='%s' sleep='1h'/></iq>", nsEcho)
	el := expectStanzaError(t, c, "slow", "internal-server-error")
	if el.SelectElement("error").SelectAttrValue("type", "") != "wait" {
		t.Errorf("a timed-out call: %s, want an error of type wait", rawxmpp.Describe(el))
	}
	waitFor(t, "the plugin to let go of the timed-out request", func() bool {
		return echoIQ(t, c, "n", nsEcho+":inhand", "") == "0"
	})
	if got := echoIQ(t, c, "after", nsEcho, ""); got == "" {
		t.Error("the plugin answers nothing after a timed-out call")
	}
}

// A handler that panics costs its own stanza an internal-server-error
// naming the log line, and nothing else: the plugin, its stream and the
// client's session go on.
func TestPluginHandlerPanics(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	c, full := s.login(t, "alice", "r")
	c.Sendf("<iq type='get' to='localhost' id='p1'><q xmlns='%s'/></iq>", nsEcho+":panic")
	el := expectStanzaError(t, c, "p1", "internal-server-error")
	if !strings.Contains(rawxmpp.Describe(el), "internal error, id ") {
		t.Errorf("the error does not name the log line: %s", rawxmpp.Describe(el))
	}
	if got := echoIQ(t, c, "after", nsEcho, ""); got != full {
		t.Errorf("after the panic the plugin answered %q, want %q", got, full)
	}
}
