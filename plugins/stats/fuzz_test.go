package stats_test

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/stats"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzStats runs with the Host of the transcript (sessions and accounts
// to count) and the sender as the one admin, so that every request reaches
// the statistics.
func FuzzStats(f *testing.F) {
	config := map[string]any{"admins_only": true, "admins": []string{"romeo@localhost"}}
	sdktest.FuzzStanzas(f, withGaps{Stats: stats.New()}, sdktest.Options{Domain: "localhost", Config: config}, "romeo@localhost/orchard",
		"<iq type='get' id='s1' to='localhost'><query xmlns='http://jabber.org/protocol/stats'/></iq>",
		"<iq type='get' id='s2' to='localhost'><query xmlns='http://jabber.org/protocol/stats'><stat name='users/online'/><stat name='users/total'/></query></iq>",
		"<iq type='get' id='s3' to='localhost'><query xmlns='http://jabber.org/protocol/stats'><stat name='time/cputime'/><stat name='time/uptime'/></query></iq>",
		"<iq type='get' id='s4' to='localhost'><query xmlns='http://jabber.org/protocol/stats' node='running nodes/ejabberd@localhost'/></iq>")
}
