package roster_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzRoster edits juliet's roster, which holds romeo (both ways) and an
// item managed by sharedroster; her other resource gets the pushes.
func FuzzRoster(f *testing.F) {
	const juliet = "juliet@localhost"
	setup := func(h *sdktest.Harness) {
		for _, u := range []string{"juliet", "romeo", "nurse"} {
			if err := h.Accounts().Create(context.Background(), u, "secret"); err != nil {
				f.Fatal(err)
			}
		}
		payload, err := json.Marshal(roster.ManagedRequest{Owner: juliet, Items: []roster.ManagedItem{{JID: "nurse@localhost", Groups: []string{"Household"}}}})
		if err != nil {
			f.Fatal(err)
		}
		if _, err := h.Invoke("managed", "sharedroster", payload); err != nil {
			f.Fatal(err)
		}
		for _, s := range []struct{ from, to, typ string }{{juliet, "romeo@localhost", "subscribe"}, {"romeo@localhost", juliet, "subscribed"}} {
			p, err := json.Marshal(roster.SubscriptionRequest{From: s.from, To: s.to, Stanza: "<presence type='" + s.typ + "'/>"})
			if err != nil {
				f.Fatal(err)
			}
			if _, err := h.Invoke("subscription", "presence", p); err != nil {
				f.Fatal(err)
			}
		}
		if r := h.Handle("<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>", juliet+"/chamber"); r.Err != nil {
			f.Fatal(r.Err)
		}
	}
	const (
		q = "<iq type='set' id='s'><query xmlns='jabber:iq:roster'>"
		e = "</query></iq>"
	)
	config := map[string]any{"max_items": 8, "max_name_bytes": 32, "max_groups": 4}
	sdktest.FuzzStanzas(f, roster.New(), sdktest.Options{Domain: "localhost", Config: config, Setup: setup}, juliet+"/balcony",
		"<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>",
		"<iq type='get' id='v' to='juliet@localhost'><query xmlns='jabber:iq:roster' ver='e-1'/></iq>",
		q+"<item jid='Romeo@Localhost' name='Romeo'><group>Friends</group><group>Lovers</group></item>"+e,
		q+"<item jid='benvolio@localhost' name='Ben'/>"+e,
		q+"<item jid='nurse@localhost' name='Nurse'><group>Household</group><group>Mine</group></item>"+e,
		q+"<item jid='romeo@localhost' subscription='remove'/>"+e,
		q+"<item jid='nurse@localhost' subscription='remove'/>"+e,
		"<iq type='get' id='o' to='romeo@localhost'><query xmlns='jabber:iq:roster'/></iq>")
}
