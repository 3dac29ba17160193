package last

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzLast runs with the world of the transcript: juliet went offline,
// romeo may see it and the nurse may not.
func FuzzLast(f *testing.F) {
	setup := func(h *sdktest.Harness) {
		h.Provide("roster", "items", func(_ context.Context, _ string, owner []byte) ([]byte, error) {
			items := []map[string]any{}
			if string(owner) == "juliet@localhost" {
				items = append(items, map[string]any{"jid": "romeo@localhost", "subscription": "from"})
			}
			return json.Marshal(map[string]any{"ver": "1", "items": items})
		})
		if err := h.Event(sdktest.Event{Kind: sdk.SessionClosed, JID: "juliet@localhost/balcony", SessionID: "s1"}); err != nil {
			f.Fatal(err)
		}
	}
	sdktest.FuzzStanzas(f, New(), sdktest.Options{Domain: "localhost", Setup: setup}, "romeo@localhost/orchard",
		"<iq type='get' id='l1' to='localhost'><query xmlns='jabber:iq:last'/></iq>",
		"<iq type='get' id='l2' to='juliet@localhost'><query xmlns='jabber:iq:last'/></iq>",
		"<iq type='get' id='l3'><query xmlns='jabber:iq:last'/></iq>",
		"<iq type='get' id='l4' to='paris@localhost'><query xmlns='jabber:iq:last'/></iq>")
}
