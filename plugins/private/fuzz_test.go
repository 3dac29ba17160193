package private_test

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/private"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzPrivate keeps the quotas small so that the fuzzer reaches them.
func FuzzPrivate(f *testing.F) {
	config := map[string]any{"max_item_bytes": 512, "max_total_bytes": 2048}
	sdktest.FuzzStanzas(f, private.New(), sdktest.Options{Domain: "localhost", Config: config}, juliet,
		"<iq type='get' id='g'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>",
		"<iq type='set' id='s'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'><conference jid='theatre@conference.localhost' autojoin='true' name='Theatre'><nick>Juliet</nick></conference></storage></query></iq>",
		"<iq type='set' id='m'><query xmlns='jabber:iq:private'><exodus xmlns='exodus:prefs'><defaultnick>Juliet</defaultnick></exodus><exodus xmlns='exodus:prefs'><theme>dark</theme></exodus></query></iq>",
		"<iq type='set' id='n' to='juliet@localhost'><query xmlns='jabber:iq:private' xmlns:n='storage:rosternotes'><n:storage><n:note jid='romeo@localhost'>Montague</n:note></n:storage></query></iq>",
		"<iq type='get' id='o' to='romeo@localhost'><query xmlns='jabber:iq:private'><storage xmlns='storage:rosternotes'/></query></iq>",
		"<iq type='set' id='r'><query xmlns='jabber:iq:private'><query xmlns='jabber:iq:roster'/></query></iq>")
}
