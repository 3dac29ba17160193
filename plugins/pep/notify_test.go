package pep_test

import (
	"testing"
)

const nickNS = "http://jabber.org/protocol/nick"

func publishNick(w *world, from, nick string) {
	w.t.Helper()
	w.do(from, `<iq type='set' id='n1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='`+nickNS+`'><item id='current'><nick xmlns='`+nickNS+`'>`+nick+`</nick></item></publish></pubsub></iq>`)
}

func nickEvent(from, to, nick string) string {
	return `<message from='` + from + `' to='` + to + `' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='` + nickNS + `'><item id='current'><nick xmlns='` + nickNS + `'>` + nick + `</nick></item></items></event></message>`
}

// Who hears of a publish: the owner's sessions and the contacts receiving
// the owner's presence, each only if interested, available with a
// non-negative priority (XEP-0163 §4).
func TestNotificationReachesInterestedResources(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.follow(carol, alice) // carol receives alice's presence
	w.follow(alice, dave)  // alice receives dave's; dave not alice's
	w.setItem(alice, "eve@localhost", "none", nil)

	w.online(alice+"/phone", 0, nickNS+"+notify")
	w.online(alice+"/desktop", 5, "urn:xmpp:avatar:metadata+notify")
	w.online(bob+"/pda", 1, nickNS+"+notify")
	w.online(bob+"/hidden", -1, nickNS+"+notify")
	w.online(carol+"/web", 0, nickNS+"+notify")
	w.online(dave+"/tab", 0, nickNS+"+notify")
	w.online("eve@localhost/x", 0, nickNS+"+notify")

	m := w.mark()
	publishNick(w, alice+"/phone", "Alice")
	w.expectMessages(m,
		nickEvent(alice, alice+"/phone", "Alice"),
		nickEvent(alice, bob+"/pda", "Alice"),
		nickEvent(alice, carol+"/web", "Alice"),
	)
}

func TestClosedSessionHearsNothing(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(bob+"/pda", 0, nickNS+"+notify")
	w.offline(bob + "/pda")
	m := w.mark()
	publishNick(w, alice+"/phone", "Alice")
	w.expectMessages(m)
}

func TestAccessModelsDecideWhoHears(t *testing.T) {
	node := "urn:example:status"
	tests := []struct {
		name   string
		access string
		groups string // pubsub#roster_groups_allowed
		want   []string
	}{
		{"presence", "presence", "", []string{alice + "/phone", bob + "/pda", carol + "/web"}},
		{"open: presence subscribers, not strangers", "open", "", []string{alice + "/phone", bob + "/pda", carol + "/web"}},
		{"roster: allowed groups only", "roster", "Family", []string{alice + "/phone", bob + "/pda"}},
		{"whitelist: the owner only", "whitelist", "", []string{alice + "/phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			w.befriend(alice, bob, "Family")
			w.befriend(alice, carol, "Work")
			for _, full := range []string{alice + "/phone", bob + "/pda", carol + "/web", dave + "/tab"} {
				w.online(full, 0, node+"+notify")
			}
			w.do(alice+"/phone", `<iq type='set' id='c'><pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='`+node+`'/><configure><x xmlns='jabber:x:data' type='submit'>
				<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>
				<field var='pubsub#access_model'><value>`+tt.access+`</value></field>
				<field var='pubsub#roster_groups_allowed'><value>`+tt.groups+`</value></field></x></configure></pubsub></iq>`)
			m := w.mark()
			w.do(alice+"/phone", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='`+node+`'><item id='1'><s xmlns='urn:example:status'/></item></publish></pubsub></iq>`)
			var want []string
			for _, to := range tt.want {
				want = append(want, `<message from='`+alice+`' to='`+to+`' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='`+node+`'><item id='1'><s xmlns='urn:example:status'/></item></items></event></message>`)
			}
			w.expectMessages(m, want...)
		})
	}
}

// An explicit subscription gets notifications whatever the subscriber's
// capabilities say; a bare JID subscription is one message, which the
// core fans out.
func TestExplicitSubscription(t *testing.T) {
	w := newWorld(t, nil)
	w.online(alice+"/phone", 0)
	w.do(alice+"/phone", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:example:feed'><item id='1'><e xmlns='urn:example:feed'>one</e></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='pubsub#access_model'><value>open</value></field></x></publish-options></pubsub></iq>`)

	m := w.mark()
	res := w.do(carol+"/web", `<iq type='set' id='s' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='urn:example:feed' jid='carol@localhost'/></pubsub></iq>`)
	if got, want := canonical(res), canonical(mustParse(t, `<iq type='result' id='s' from='alice@localhost' to='carol@localhost/web'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscription node='urn:example:feed' jid='carol@localhost' subscription='subscribed'/></pubsub></iq>`)); got != want {
		t.Errorf("subscribe answered\n %s\nwant\n %s", got, want)
	}
	// The last item comes at once (send_last_published_item).
	w.expectMessages(m, `<message from='alice@localhost' to='carol@localhost' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:example:feed'><item id='1'><e xmlns='urn:example:feed'>one</e></item></items></event><delay xmlns='urn:xmpp:delay' stamp='*'/></message>`)

	m = w.mark()
	w.do(alice+"/phone", `<iq type='set' id='p2'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:example:feed'><item id='2'><e xmlns='urn:example:feed'>two</e></item></publish></pubsub></iq>`)
	w.expectMessages(m, `<message from='alice@localhost' to='carol@localhost' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:example:feed'><item id='2'><e xmlns='urn:example:feed'>two</e></item></items></event></message>`)

	w.do(carol+"/web", `<iq type='set' id='u' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><unsubscribe node='urn:example:feed' jid='carol@localhost'/></pubsub></iq>`)
	m = w.mark()
	w.do(alice+"/phone", `<iq type='set' id='p3'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:example:feed'><item id='3'><e xmlns='urn:example:feed'>three</e></item></publish></pubsub></iq>`)
	w.expectMessages(m)
}

func TestSubscriptionErrors(t *testing.T) {
	w := newWorld(t, nil)
	w.follow(bob, alice)
	publishNick(w, alice+"/phone", "Alice") // access model presence
	tests := []struct {
		name, from, xml, want string
	}{
		{"a stranger, presence access", carol + "/web",
			`<iq type='set' id='s' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='` + nickNS + `' jid='carol@localhost'/></pubsub></iq>`,
			`<error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><presence-subscription-required xmlns='http://jabber.org/protocol/pubsub#errors'/></error>`},
		{"someone else's JID", bob + "/pda",
			`<iq type='set' id='s' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='` + nickNS + `' jid='carol@localhost'/></pubsub></iq>`,
			`<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>subscribe with your own JID</text><invalid-jid xmlns='http://jabber.org/protocol/pubsub#errors'/></error>`},
		{"no such node", bob + "/pda",
			`<iq type='set' id='s' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='urn:example:none' jid='bob@localhost'/></pubsub></iq>`,
			`<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`},
		{"unsubscribe without a subscription", bob + "/pda",
			`<iq type='set' id='s' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><unsubscribe node='` + nickNS + `' jid='bob@localhost'/></pubsub></iq>`,
			`<error type='cancel'><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><not-subscribed xmlns='http://jabber.org/protocol/pubsub#errors'/></error>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := w.fails(tt.from, tt.xml), canonical(mustParse(t, tt.want)); got != want {
				t.Errorf("got\n %s\nwant\n %s", got, want)
			}
		})
	}
}

// A retraction reaches the interested when the request or the node asks
// for it; deletion and purge are announced too.
func TestRetractDeletePurgeNotifications(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(alice+"/phone", 0, "urn:example:list+notify")
	w.online(bob+"/pda", 0, "urn:example:list+notify")
	for _, id := range []string{"a", "b"} {
		w.do(alice+"/phone", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:example:list'><item id='`+id+`'><i xmlns='urn:example:list'/></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='pubsub#max_items'><value>10</value></field></x></publish-options></pubsub></iq>`)
	}
	ev := func(to, inner string) string {
		return `<message from='alice@localhost' to='` + to + `' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'>` + inner + `</event></message>`
	}

	m := w.mark()
	w.do(alice+"/phone", `<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:example:list' notify='true'><item id='a'/></retract></pubsub></iq>`)
	retract := `<items node='urn:example:list'><retract id='a'/></items>`
	w.expectMessages(m, ev(alice+"/phone", retract), ev(bob+"/pda", retract))

	m = w.mark()
	w.do(alice+"/phone", `<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:example:list' notify='0'><item id='b'/></retract></pubsub></iq>`)
	w.expectMessages(m)

	m = w.mark()
	w.do(alice+"/phone", `<iq type='set' id='pg'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><purge node='urn:example:list'/></pubsub></iq>`)
	w.expectMessages(m, ev(alice+"/phone", `<purge node='urn:example:list'/>`), ev(bob+"/pda", `<purge node='urn:example:list'/>`))

	m = w.mark()
	w.do(alice+"/phone", `<iq type='set' id='d'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='urn:example:list'/></pubsub></iq>`)
	w.expectMessages(m, ev(alice+"/phone", `<delete node='urn:example:list'/>`), ev(bob+"/pda", `<delete node='urn:example:list'/>`))
	if got := w.fails(alice+"/phone", `<iq type='get' id='i'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:example:list'/></pubsub></iq>`); got != canonical(mustParse(t, `<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`)) {
		t.Errorf("items of a deleted node: %s", got)
	}
}

// Node options that shape notifications: without payloads, as normal
// messages, or none at all.
func TestNotificationOptions(t *testing.T) {
	tests := []struct {
		name, fields, want string
	}{
		{"without payload", `<field var='pubsub#deliver_payloads'><value>0</value></field>`,
			`<message from='alice@localhost' to='alice@localhost/phone' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:example:n'><item id='1'/></items></event></message>`},
		{"type normal", `<field var='pubsub#notification_type'><value>normal</value></field>`,
			`<message from='alice@localhost' to='alice@localhost/phone' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:example:n'><item id='1'><x xmlns='urn:example:n'/></item></items></event></message>`},
		{"no notifications", `<field var='pubsub#deliver_notifications'><value>false</value></field>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			w.online(alice+"/phone", 0, "urn:example:n+notify")
			m := w.mark()
			w.do(alice+"/phone", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:example:n'><item id='1'><x xmlns='urn:example:n'/></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'>`+tt.fields+`</x></publish-options></pubsub></iq>`)
			if tt.want == "" {
				w.expectMessages(m)
				return
			}
			w.expectMessages(m, tt.want)
		})
	}
}
