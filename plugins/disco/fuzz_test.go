package disco_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/disco"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzDisco runs with the world of the transcripts: other plugins'
// manifests, adhoc's commands, juliet's roster and sessions.
func FuzzDisco(f *testing.F) {
	setup := func(h *sdktest.Harness) {
		h.AddManifest(coreManifest)
		for _, m := range others {
			h.AddManifest(m)
		}
		h.AddManifest(sdk.Manifest{Name: "adhoc", Features: []string{"http://jabber.org/protocol/commands"}})
		for _, ev := range []sdktest.Event{{Kind: sdk.ManifestsChanged}, {Kind: sdk.Published, Topic: "adhoc.commands", Payload: []byte(listing)}} {
			if err := h.Event(ev); err != nil {
				f.Fatal(err)
			}
		}
		h.Provide("roster", "items", func(_ context.Context, _ string, owner []byte) ([]byte, error) {
			items := []map[string]any{}
			if string(owner) == "romeo@localhost" {
				items = append(items, map[string]any{"jid": "juliet@localhost", "subscription": "from"})
			}
			return json.Marshal(map[string]any{"ver": "1", "items": items})
		})
		for _, u := range []string{"juliet", "romeo"} {
			if err := h.Accounts().Create(context.Background(), u, "secret"); err != nil {
				f.Fatal(err)
			}
		}
		h.SetSessions("romeo@localhost", sdk.Session{JID: "romeo@localhost/orchard", SessionID: "s1", Available: true})
	}
	const q = "<query xmlns='http://jabber.org/protocol/disco#"
	sdktest.FuzzStanzas(f, disco.New(), sdktest.Options{Domain: "localhost", Config: serverConfig, Setup: setup}, "juliet@localhost/balcony",
		"<iq type='get' id='i1' to='localhost'>"+q+"info'/></iq>",
		"<iq type='get' id='i2' to='localhost'>"+q+"info' node='https://switchboard.example/caps#stale'/></iq>",
		"<iq type='get' id='i3' to='localhost'>"+q+"items'/></iq>",
		"<iq type='get' id='c1' to='localhost'>"+q+"items' node='http://jabber.org/protocol/commands'/></iq>",
		"<iq type='get' id='c2' to='localhost'>"+q+"info' node='http://jabber.org/protocol/admin#add-user'/></iq>",
		"<iq type='get' id='a1'>"+q+"info'/></iq>",
		"<iq type='get' id='a2' to='romeo@localhost'>"+q+"info' node='urn:xmpp:bookmarks:1'/></iq>",
		"<iq type='get' id='a3' to='romeo@localhost'>"+q+"items'/></iq>")
}
