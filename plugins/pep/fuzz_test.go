package pep_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/plugins/pep"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/caps"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzPEP runs alice's requests in a world where bob is her friend,
// online with a client that wants tune notifications, and carol follows
// her; bob has a tune node of his own.
func FuzzPEP(f *testing.F) {
	p := pep.New()
	w := &world{p: p, rosters: map[string]map[string]rosterItem{}, clients: map[string][]string{}, lie: map[string]bool{}}
	w.befriend(alice, bob, "Friends")
	w.follow(carol, alice)
	settle := func(what string, cond func() bool) {
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				f.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	setup := func(h *sdktest.Harness) {
		h.Provide("roster", "items", w.rosterItems)
		h.AnswerIQ(w.answer)
		settle("the plugin to settle after Configure", p.Idle)
		for _, full := range []string{bob + "/home", carol + "/web"} {
			features := []string{"http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/tune+notify", "urn:example:n+notify"}
			w.mu.Lock()
			w.clients[full] = features
			w.mu.Unlock()
			presence := fmt.Sprintf(`<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='%s' ver='%s'/></presence>`, capsNode, caps.Ver(identity, features, nil))
			if err := h.Event(sdktest.Event{Kind: sdk.SessionAvailable, JID: full, SessionID: "s-" + full, Stanza: presence}); err != nil {
				f.Fatal(err)
			}
			settle("the interests of "+full, func() bool { return p.Settled(full) })
		}
		r := h.Handle(pubsub("set", "", "<publish node='http://jabber.org/protocol/tune'><item id='current'><tune xmlns='http://jabber.org/protocol/tune'/></item></publish>"), bob+"/home")
		if r.Err != nil {
			f.Fatal(r.Err)
		}
	}
	config := map[string]any{"max_item_bytes": 1024, "max_result_bytes": 2048, "max_nodes": 8, "max_items_per_node": 4, "max_account_bytes": 8192}
	options := "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>" +
		"<field var='pubsub#persist_items'><value>1</value></field><field var='pubsub#access_model'><value>presence</value></field><field var='pubsub#max_items'><value>max</value></field></x></publish-options>"
	nodeConfig := "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>" +
		"<field var='pubsub#access_model'><value>roster</value></field><field var='pubsub#roster_groups_allowed'><value>Friends</value></field>" +
		"<field var='pubsub#max_items'><value>3</value></field><field var='pubsub#send_last_published_item'><value>on_sub</value></field><field var='pubsub#notification_type'><value>normal</value></field></x>"
	sdktest.FuzzStanzas(f, p, sdktest.Options{Domain: "localhost", Config: config, Setup: setup}, alice+"/balcony",
		pubsub("set", "", "<publish node='http://jabber.org/protocol/tune'><item id='current'><tune xmlns='http://jabber.org/protocol/tune'><artist>Gerald Finzi</artist><length>255</length></tune></item></publish>"),
		pubsub("set", "", "<publish node='urn:example:n'><item><a xmlns='urn:example:n'/></item></publish>"+options),
		pubsub("get", "", "<items node='http://jabber.org/protocol/tune' max_items='2'/>"),
		pubsub("get", bob, "<items node='http://jabber.org/protocol/tune'><item id='current'/></items>"),
		pubsub("set", "", "<retract node='http://jabber.org/protocol/tune' notify='true'><item id='current'/></retract>"),
		pubsub("set", "", "<create node='urn:xmpp:mds:displayed:0'/><configure>"+nodeConfig+"</configure>"),
		pubsub("set", bob, "<subscribe node='http://jabber.org/protocol/tune' jid='alice@localhost/balcony'/>"),
		pubsub("set", bob, "<unsubscribe node='http://jabber.org/protocol/tune' jid='alice@localhost/balcony'/>"),
		owner("get", "<configure node='http://jabber.org/protocol/tune'/>"),
		owner("set", "<configure node='urn:example:n'>"+nodeConfig+"</configure>"),
		owner("get", "<default/>"),
		owner("set", "<purge node='urn:example:n'/>"),
		owner("set", "<delete node='urn:example:n'><redirect uri='xmpp:alice@localhost?;node=x'/></delete>"))
}

func pubsub(typ, to, body string) string {
	if to != "" {
		to = " to='" + to + "'"
	}
	return "<iq type='" + typ + "' id='ps'" + to + "><pubsub xmlns='http://jabber.org/protocol/pubsub'>" + body + "</pubsub></iq>"
}

func owner(typ, body string) string {
	return "<iq type='" + typ + "' id='po'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>" + body + "</pubsub></iq>"
}
