package presence_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/presence"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzPresence sends alice's presence with roster faked: alice and bob
// are subscribed to each other and online, carol is a stranger who asked
// alice for a subscription. Subscription stanzas come back from the fake
// roster to be delivered, stamped with the sender's bare JID, as the real
// one does. (The real roster in a second harness cannot serve here: a
// harness made with f may not be called inside the fuzz target.)
func FuzzPresence(f *testing.F) {
	rosters := map[string]string{
		alice: `{"ver":"1","items":[{"jid":"bob@localhost","name":"Bob","subscription":"both","groups":["Friends"]},{"jid":"carol@localhost","subscription":"none","ask":"subscribe"}]}`,
		bob:   `{"ver":"1","items":[{"jid":"alice@localhost","subscription":"both","groups":[]}]}`,
	}
	setup := func(h *sdktest.Harness) {
		h.Provide("roster", "items", func(_ context.Context, _ string, owner []byte) ([]byte, error) {
			if r, ok := rosters[string(owner)]; ok {
				return []byte(r), nil
			}
			return []byte(`{"ver":"1","items":[]}`), nil
		})
		h.Provide("roster", "pending", func(context.Context, string, []byte) ([]byte, error) {
			return []byte(`{"requests":["<presence from='carol@localhost' to='alice@localhost' type='subscribe'/>"]}`), nil
		})
		h.Provide("roster", "subscription", stampedSubscription)
		h.SetSessions(bob, sdk.Session{JID: bob + "/phone", SessionID: "s1", Available: true})
		h.SetSessions(alice, sdk.Session{JID: alice + "/pda", SessionID: "s2", Available: true})
		if r := h.Handle("<presence><show>away</show></presence>", bob+"/phone"); r.Err != nil || r.NoRoute {
			f.Fatalf("bob's presence: no route %v, error %v", r.NoRoute, r.Err)
		}
	}
	sdktest.FuzzStanzas(f, presence.New(), sdktest.Options{Domain: "localhost", Config: map[string]any{"max_directed": 4}, Setup: setup}, alice+"/pda",
		"<presence><priority>50</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://psi-dev.googlecode.com/caps' ver='q07IKJEyjvHSyhy//CH0CxmKi8w=' ext='ca cs'/></presence>",
		"<presence><show>dnd</show><status xml:lang='en'>Busy</status><x xmlns='vcard-temp:x:update'><photo/></x></presence>",
		"<presence to='carol@localhost'/>",
		"<presence to='bob@localhost/phone' type='unavailable'/>",
		"<presence type='probe' to='bob@localhost'/>",
		"<presence type='subscribe' to='carol@localhost'><status>Hi</status></presence>",
		"<presence type='subscribed' to='carol@localhost'/>",
		"<presence type='unsubscribe' to='bob@localhost'/>",
		"<presence type='unsubscribed' to='bob@localhost'/>",
		"<presence type='unavailable'><status>gone</status></presence>")
}

// stampedSubscription is roster's subscription method reduced to what
// presence sees: the stanza to deliver, from the sender's bare JID to
// the contact's.
func stampedSubscription(_ context.Context, _ string, payload []byte) ([]byte, error) {
	var req struct{ From, To, Stanza string }
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(req.Stanza); err != nil || doc.Root() == nil {
		return nil, fmt.Errorf("reading the subscription stanza: %v", err)
	}
	doc.Root().CreateAttr("from", req.From)
	doc.Root().CreateAttr("to", req.To)
	s, err := doc.WriteToString()
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string][]string{"deliver": {s}})
}
