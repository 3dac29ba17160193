package pep_test

import "testing"

// A client that starts wanting a node after its initial presence (Gajim
// and Conversations re-announce caps when a feature is switched on) gets
// the node's last item then, and its notifications from then on; one that
// only changes its show or status gets nothing again.
func TestCapsChangeAfterInitialPresence(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	publishNick(w, alice+"/phone", "Alice")
	w.online(bob+"/pda", 0, "urn:xmpp:avatar:metadata+notify")

	m := w.mark()
	w.update(bob+"/pda", 0, "urn:xmpp:avatar:metadata+notify", nickNS+"+notify")
	w.expectMessages(m, delayedNick(alice, bob+"/pda", "Alice"))

	m = w.mark()
	w.update(bob+"/pda", 0, "urn:xmpp:avatar:metadata+notify", nickNS+"+notify")
	w.expectMessages(m)

	m = w.mark()
	publishNick(w, alice+"/phone", "Alice2")
	w.expectMessages(m, nickEvent(alice, bob+"/pda", "Alice2"))

	// Dropping the interest stops the notifications.
	w.update(bob+"/pda", 0, "urn:xmpp:avatar:metadata+notify")
	m = w.mark()
	publishNick(w, alice+"/phone", "Alice3")
	w.expectMessages(m)
}

// A session that goes from a negative priority to a positive one starts
// taking notifications (XEP-0163 §4.3), with the last items first.
func TestPriorityRaisedTakesNotifications(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	publishNick(w, alice+"/phone", "Alice")
	m := w.mark()
	w.online(bob+"/pda", -1, nickNS+"+notify")
	w.expectMessages(m)

	w.update(bob+"/pda", 3, nickNS+"+notify")
	w.expectMessages(m, delayedNick(alice, bob+"/pda", "Alice"))
}

// A session that sends unavailable presence but keeps its stream hears
// nothing until it is available again.
func TestUnavailableSessionHearsNothing(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(bob+"/pda", 0, nickNS+"+notify")
	w.unavailable(bob + "/pda")
	m := w.mark()
	publishNick(w, alice+"/phone", "Alice")
	w.expectMessages(m)

	m = w.mark()
	w.online(bob+"/pda", 0, nickNS+"+notify")
	w.expectMessages(m, delayedNick(alice, bob+"/pda", "Alice"))
}
