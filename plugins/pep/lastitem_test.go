package pep_test

import (
	"slices"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

func delayedNick(from, to, nick string) string {
	return `<message from='` + from + `' to='` + to + `' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='` + nickNS + `'><item id='current'><nick xmlns='` + nickNS + `'>` + nick + `</nick></item></items></event><delay xmlns='urn:xmpp:delay' stamp='*'/></message>`
}

// A session coming online gets the last item of each node it is
// interested in: its own account's and its contacts' (XEP-0163 §4.3.2).
func TestLastItemAtLogin(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.follow(carol, bob) // carol receives bob's presence
	publishNick(w, alice+"/phone", "Alice")
	publishNick(w, bob+"/pda", "Bob")
	publishNick(w, dave+"/tab", "Dave") // a stranger to everyone

	m := w.mark()
	w.online(alice+"/desktop", 0, nickNS+"+notify")
	w.expectMessages(m, delayedNick(alice, alice+"/desktop", "Alice"), delayedNick(bob, alice+"/desktop", "Bob"))

	m = w.mark()
	w.online(carol+"/web", 0, nickNS+"+notify")
	w.expectMessages(m, delayedNick(bob, carol+"/web", "Bob"))

	m = w.mark()
	w.online(alice+"/uninterested", 0, "urn:xmpp:avatar:metadata+notify")
	w.online(alice+"/invisible", -1, nickNS+"+notify")
	w.expectMessages(m)
}

// Once a verification string is known, a new session showing it is
// served at once, from the cache.
func TestLastItemFromCachedCaps(t *testing.T) {
	w := newWorld(t, nil)
	publishNick(w, alice+"/phone", "Alice")
	w.online(alice+"/one", 0, nickNS+"+notify")
	m := w.mark()
	w.online(alice+"/two", 0, nickNS+"+notify")
	w.expectMessages(m, delayedNick(alice, alice+"/two", "Alice"))
	if q := w.queriesSeen(); len(q) != 1 {
		t.Errorf("disco#info queries %q, want one: the second session's caps are cached", q)
	}
}

func TestNodesThatDoNotSendTheLastItem(t *testing.T) {
	tests := []struct {
		name, options string
	}{
		{"send_last_published_item never", `<field var='pubsub#send_last_published_item'><value>never</value></field>`},
		{"send_last_published_item on_sub", `<field var='pubsub#send_last_published_item'><value>on_sub</value></field>`},
		{"whitelist, to a contact", `<field var='pubsub#access_model'><value>whitelist</value></field>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			w.befriend(alice, bob)
			w.do(bob+"/pda", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:example:n'><item id='1'><x xmlns='urn:example:n'/></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'>`+tt.options+`</x></publish-options></pubsub></iq>`)
			m := w.mark()
			w.online(alice+"/desktop", 0, "urn:example:n+notify")
			w.expectMessages(m)
		})
	}
}

// A contact that starts receiving the owner's presence gets the last
// items its online sessions are interested in.
func TestLastItemOnNewSubscription(t *testing.T) {
	w := newWorld(t, nil)
	publishNick(w, bob+"/pda", "Bob")
	w.online(alice+"/phone", 0, nickNS+"+notify")

	m := w.mark()
	w.rosterChanged(alice, bob, "to")
	w.setItem(bob, alice, "from", nil)
	w.expectMessages(m, delayedNick(bob, alice+"/phone", "Bob"))

	m = w.mark()
	w.rosterChanged(alice, bob, "both") // already received bob's presence
	w.expectMessages(m)
}

// roster.changed keeps the owner's subscribers current: a contact whose
// subscription is cancelled stops hearing, a new one starts.
func TestRosterChangesReachNotifications(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(alice+"/phone", 0)
	w.online(bob+"/pda", 0, nickNS+"+notify")
	w.online(carol+"/web", 0, nickNS+"+notify")
	publishNick(w, alice+"/phone", "A") // alice's roster is read

	w.rosterChanged(alice, bob, "to")
	w.rosterChanged(alice, carol, "from")
	m := w.mark()
	publishNick(w, alice+"/phone", "Alice")
	w.expectMessages(m, nickEvent(alice, carol+"/web", "Alice"))
}

// Legacy caps (no hash, as Psi+ sends) cannot be verified: the session
// is asked without a node, and the answer is kept for it alone.
func TestLegacyCaps(t *testing.T) {
	w := newWorld(t, nil)
	publishNick(w, alice+"/phone", "Alice")
	legacy := `<presence><priority>50</priority><c xmlns='http://jabber.org/protocol/caps' node='http://psi-dev.googlecode.com/caps' ver='0.16' ext='ca cs e-time ep-notify-2'/></presence>`
	for _, full := range []string{alice + "/psi", alice + "/psi2"} {
		w.mu.Lock()
		w.clients[full] = []string{"http://jabber.org/protocol/disco#info", nickNS + "+notify"}
		w.mu.Unlock()
		m := w.mark()
		w.available(full, legacy)
		w.waitMessages(m, 1)
		w.expectMessages(m, delayedNick(alice, full, "Alice"))
	}
	if q, want := w.queriesSeen(), []string{alice + "/psi", alice + "/psi2"}; !slices.Equal(q, want) {
		t.Errorf("disco#info queries %q, want %q", q, want)
	}
}

// An answer that does not hash to the verification string is not cached:
// the next session showing the string is asked again.
func TestUnverifiedAnswerIsNotCached(t *testing.T) {
	w := newWorld(t, nil)
	w.lie[alice+"/one"] = true
	w.online(alice+"/one", 0, nickNS+"+notify")
	w.online(alice+"/two", 0, nickNS+"+notify")
	w.online(alice+"/three", 0, nickNS+"+notify")
	if q := w.queriesSeen(); len(q) != 2 {
		t.Errorf("disco#info queries %q, want two: the lie is not cached, the truth is", q)
	}
	m := w.mark()
	publishNick(w, alice+"/one", "Alice")
	// The liar keeps what it said of itself, which includes +notify.
	w.expectMessages(m, nickEvent(alice, alice+"/one", "Alice"), nickEvent(alice, alice+"/three", "Alice"), nickEvent(alice, alice+"/two", "Alice"))
}

// A client that never answers gets no notifications, and does not stop
// other sessions from being served.
func TestSilentClient(t *testing.T) {
	w := newWorld(t, map[string]any{"disco_timeout": "50ms"})
	publishNick(w, alice+"/phone", "Alice")
	w.available(alice+"/silent", `<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='AAAA'/></presence>`)
	m := w.mark()
	publishNick(w, alice+"/phone", "Alice")
	w.expectMessages(m)
}

// Sessions online before the plugin started (it restarted) are asked for
// their capabilities, and hear of changes again.
func TestRecoversSessionsAfterRestart(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.mu.Lock()
	w.clients[bob+"/pda"] = []string{nickNS + "+notify"}
	w.mu.Unlock()
	w.h.SetSessions(bob, sdk.Session{JID: bob + "/pda", SessionID: "s1", Available: true}, sdk.Session{JID: bob + "/binding", SessionID: "s2"})
	if err := w.h.Configure(nil); err != nil {
		t.Fatal(err)
	}
	w.waitFor("bob's interests", func() bool { return w.p.Settled(bob + "/pda") })
	if q := w.queriesSeen(); !slices.Equal(q, []string{bob + "/pda"}) {
		t.Errorf("disco#info queries %q, want one to bob's available session, without a node", q)
	}
	m := w.mark()
	publishNick(w, alice+"/phone", "Alice")
	w.expectMessages(m, nickEvent(alice, bob+"/pda", "Alice"))
}
