package muc

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// TestRestartRebuildsOccupants: a new plugin process on the same store
// finds the rooms with their occupants; a session that ended meanwhile is
// taken out and the others are told; history and occupant ids survive.
func TestRestartRebuildsOccupants(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.ok(alice, "<iq type='set' id='c' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_persistentroom'><value>1</value></field></x></query></iq>")
	w.join(bob, "room", "Bob")
	before := w.ok(alice, "<message type='groupchat' to='"+roomJID+"'><body>before</body></message>")
	w.join(alice, "temp", "Alice") // temporary, and alice stays in it

	m2 := New()
	h2 := sdktest.New(t, m2, sdktest.Options{Domain: "localhost", Logger: hclog.NewNullLogger()})
	ctx := context.Background()
	kvs, err := w.h.Store("").Scan(ctx, "", "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range kvs {
		if err := h2.Store("").Put(ctx, kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	h2.SetSessions("alice@localhost", sdk.Session{JID: alice, SessionID: "s1", Available: true})
	if err := m2.load(ctx); err != nil {
		t.Fatal(err)
	}
	w2 := &world{t: t, h: h2}
	if got := to(w2.fresh(), alice); len(got) != 1 || got[0].SelectAttrValue("from", "") != roomJID+"/Bob" || got[0].SelectAttrValue("type", "") != "unavailable" {
		t.Fatalf("after the restart alice is told bob (whose session ended) left:\n%s", describe(got))
	}
	out := w2.ok(alice, "<message type='groupchat' to='"+roomJID+"'><body>after</body></message>")
	if len(out) != 1 || out[0].SelectAttrValue("to", "") != alice {
		t.Fatalf("alice is still in the room after the restart:\n%s", describe(out))
	}
	if out[0].SelectElement("occupant-id").SelectAttrValue("id", "") != before[0].SelectElement("occupant-id").SelectAttrValue("id", "") {
		t.Errorf("alice's occupant id changed across the restart")
	}
	joined := to(w2.join(carol, "room", "Carol"), carol)
	var bodies []string
	for _, m := range joined {
		if b := m.SelectElement("body"); b != nil {
			bodies = append(bodies, b.Text())
		}
	}
	if len(bodies) != 2 || bodies[0] != "before" || bodies[1] != "after" {
		t.Errorf("history after the restart: %v", bodies)
	}
	if out := w2.ok(alice, "<message type='groupchat' to='temp@conference.localhost'><body>x</body></message>"); len(out) != 1 {
		t.Errorf("the temporary room alice is still in: %s", describe(out))
	}
}
