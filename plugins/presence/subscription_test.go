package presence_test

import "testing"

func TestSubscriptionHandshakeBetweenOnlineUsers(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.send(alice+"/pda", "<presence/>")
	w.send(bob+"/phone", "<presence><show>xa</show></presence>")
	w.take()

	w.send(alice+"/pda", "<presence to='bob@localhost' type='subscribe'><status>Hi, Alice here</status></presence>")
	w.expect("the request, stamped with alice's bare JID",
		"<presence from='alice@localhost' to='bob@localhost' type='subscribe'><status>Hi, Alice here</status></presence>")

	w.send(bob+"/phone", "<presence to='alice@localhost' type='subscribed'/>")
	w.expect("the approval, then bob's presence (RFC 6121 §3.1.5)",
		"<presence from='bob@localhost' to='alice@localhost' type='subscribed'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost'><show>xa</show></presence>",
	)
	w.send(bob+"/phone", "<presence><show>chat</show></presence>")
	w.expect("bob's updates now reach alice",
		"<presence from='bob@localhost/phone' to='alice@localhost'><show>chat</show></presence>",
		"<presence from='bob@localhost/phone' to='bob@localhost'><show>chat</show></presence>",
	)

	w.send(bob+"/phone", "<presence to='alice@localhost' type='unsubscribed'/>")
	w.expect("a revoked subscription: the cancellation and unavailable from bob (§3.2.2)",
		"<presence from='bob@localhost' to='alice@localhost' type='unsubscribed'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost' type='unavailable'/>",
	)
	w.send(bob+"/phone", "<presence/>")
	w.expect("and his updates stop", "<presence from='bob@localhost/phone' to='bob@localhost'/>")
}

func TestUnsubscribeStopsPresence(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	w.send(alice+"/pda", "<presence/>")
	w.send(bob+"/phone", "<presence/>")
	w.take()
	w.send(alice+"/pda", "<presence to='bob@localhost' type='unsubscribe'/>")
	w.expect("bob hears it and alice gets unavailable from bob (§3.3.3)",
		"<presence from='alice@localhost' to='bob@localhost' type='unsubscribe'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost' type='unavailable'/>",
	)
}

func TestPreApproval(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.send(bob+"/phone", "<presence/>")
	w.send(alice+"/pda", "<presence/>")
	w.take()
	w.send(bob+"/phone", "<presence to='alice@localhost' type='subscribed'/>")
	w.expect("a pre-approval is not routed (RFC 6121 §3.4)")
	w.send(alice+"/pda", "<presence to='bob@localhost' type='subscribe'/>")
	w.expect("the request is approved on bob's behalf and never shown to him",
		"<presence from='bob@localhost' to='alice@localhost' type='subscribed'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost'/>",
	)
}

func TestRequestToOfflineUserWaitsForLogin(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.send(alice+"/pda", "<presence to='bob@localhost' type='subscribe'><nick xmlns='http://jabber.org/protocol/nick'>Al</nick></presence>")
	w.take() // sent to bob's bare JID; the core delivers it to no one while he is offline
	w.pendN.Store(0)
	w.send(bob+"/phone", "<presence/>")
	if n := w.pendN.Load(); n != 0 {
		t.Errorf("roster.pending called %d times at login, want 0: the requests come with the items", n)
	}
	w.expect("delivered at login, as sent",
		"<presence from='bob@localhost/phone' to='bob@localhost'/>",
		"<presence from='alice@localhost' to='bob@localhost' type='subscribe'><nick xmlns='http://jabber.org/protocol/nick'>Al</nick></presence>",
	)
	w.close(bob + "/phone")
	w.take()
	w.send(bob+"/phone", "<presence/>")
	w.expect("and at every login until answered",
		"<presence from='bob@localhost/phone' to='bob@localhost'/>",
		"<presence from='alice@localhost' to='bob@localhost' type='subscribe'><nick xmlns='http://jabber.org/protocol/nick'>Al</nick></presence>",
	)
}

func TestRosterRemovalEndsPresenceBothWays(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	w.send(alice+"/pda", "<presence/>")
	w.send(bob+"/phone", "<presence/>")
	w.take()
	if r := w.r.Handle("<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>", alice+"/pda"); r.Err != nil {
		t.Fatal(r.Err)
	}
	w.flush()
	w.expect("each stops seeing the other",
		"<presence from='alice@localhost/pda' to='bob@localhost' type='unavailable'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost' type='unavailable'/>",
	)
	w.send(alice+"/pda", "<presence><show>away</show></presence>")
	w.expect("no more broadcasts to bob", "<presence from='alice@localhost/pda' to='alice@localhost'><show>away</show></presence>")
}

func TestRosterIsReadOncePerOnlineAccount(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	w.itemsN.Store(0)
	w.send(alice+"/pda", "<presence/>")
	for range 5 {
		w.send(alice+"/pda", "<presence><show>away</show></presence>")
	}
	w.send(alice+"/laptop", "<presence/>")
	if n := w.itemsN.Load(); n != 1 {
		t.Errorf("roster.items called %d times for one online account, want 1", n)
	}
	w.close(alice + "/pda")
	w.close(alice + "/laptop")
	w.send(alice+"/pda", "<presence/>")
	if n := w.itemsN.Load(); n != 2 {
		t.Errorf("after going offline and back, roster.items called %d times in all, want 2", n)
	}
}
