package presence_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

const (
	alice = "alice@localhost"
	bob   = "bob@localhost"
	carol = "carol@localhost"
	caps  = "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://psi-plus.com' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>"
)

func TestInitialPresence(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob", "carol")
	w.befriend(alice, bob)
	w.send(carol+"/x", "<presence to='alice@localhost' type='subscribe'/>") // carol only asks
	w.take()

	w.send(bob+"/phone", "<presence><show>away</show></presence>")
	w.expect("bob's initial presence while alice is offline",
		// to his own sessions, himself included (RFC 6121 §4.2.2)
		"<presence from='bob@localhost/phone' to='bob@localhost'><show>away</show></presence>",
		// the probe of alice, answered at once: offline, never seen
		"<presence from='alice@localhost' to='bob@localhost/phone' type='unavailable'/>",
	)

	w.send(alice+"/pda", "<presence><priority>50</priority>"+caps+"</presence>")
	mine := "<presence from='alice@localhost/pda' to='%s'><priority>50</priority>" + caps + "</presence>"
	w.expect("alice's initial presence",
		// the client's stanza goes on as it came, caps and all
		canonicalXML(t, strings.Replace(mine, "%s", alice, 1)),
		canonicalXML(t, strings.Replace(mine, "%s", bob, 1)),
		// bob's current presence answers her probe
		"<presence from='bob@localhost/phone' to='alice@localhost/pda'><show>away</show></presence>",
		// carol's request, which arrived while she was offline (§3.1.3)
		"<presence from='carol@localhost' to='alice@localhost' type='subscribe'/>",
	)

	w.send(alice+"/pda", "<presence><show>dnd</show></presence>")
	w.expect("an update goes to subscribers and own sessions only, with no probes",
		"<presence from='alice@localhost/pda' to='alice@localhost'><show>dnd</show></presence>",
		"<presence from='alice@localhost/pda' to='bob@localhost'><show>dnd</show></presence>",
	)

	w.send(alice+"/laptop", "<presence/>")
	w.expect("a second session gets the probe answers but not the requests again",
		"<presence from='alice@localhost/laptop' to='alice@localhost'/>",
		"<presence from='alice@localhost/laptop' to='bob@localhost'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost/laptop'><show>away</show></presence>",
		// and her other session's, as she is subscribed to herself
		"<presence from='alice@localhost/pda' to='alice@localhost/laptop'><show>dnd</show></presence>",
	)
}

// TestOwnSessionsSeeEachOther: a new session gets the current presence of
// the account's other available sessions (RFC 6121 §4.2.2, one is
// subscribed to oneself); they get its presence through the account's
// bare JID, and its going offline the same way.
func TestOwnSessionsSeeEachOther(t *testing.T) {
	w := newWorld(t, nil, "alice")
	w.send(alice+"/pda", "<presence><show>xa</show><status>asleep</status></presence>")
	w.send(alice+"/silent", "<presence type='unavailable'/>") // never available
	w.take()

	w.send(alice+"/laptop", "<presence><status>at work</status></presence>")
	w.expect("the new session hears of the available one, the others of it",
		"<presence from='alice@localhost/laptop' to='alice@localhost'><status>at work</status></presence>",
		"<presence from='alice@localhost/pda' to='alice@localhost/laptop'><show>xa</show><status>asleep</status></presence>",
	)

	w.send(alice+"/pda", "<presence><show>chat</show></presence>")
	w.expect("an update is no initial presence: nobody is told anything again",
		"<presence from='alice@localhost/pda' to='alice@localhost'><show>chat</show></presence>",
	)

	w.send(alice+"/pda", "<presence type='unavailable'/>")
	w.expect("going offline reaches the other sessions",
		"<presence from='alice@localhost/pda' to='alice@localhost' type='unavailable'/>",
	)
	w.send(alice+"/pda", "<presence/>")
	w.expect("coming back is initial presence again",
		"<presence from='alice@localhost/pda' to='alice@localhost'/>",
		"<presence from='alice@localhost/laptop' to='alice@localhost/pda'><status>at work</status></presence>",
	)
}

func TestUnavailableAndLastSeen(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	w.send(alice+"/pda", "<presence/>")
	w.send(bob+"/phone", "<presence/>")
	w.take()

	before := time.Now().UTC().Truncate(time.Second)
	w.send(alice+"/pda", "<presence type='unavailable'><status>gone fishing</status></presence>")
	w.expect("unavailable goes where the presence went",
		"<presence from='alice@localhost/pda' to='alice@localhost' type='unavailable'><status>gone fishing</status></presence>",
		"<presence from='alice@localhost/pda' to='bob@localhost' type='unavailable'><status>gone fishing</status></presence>",
	)

	w.send(bob+"/phone", "<presence type='probe' to='alice@localhost'/>")
	got := w.take()
	if len(got) != 1 || !strings.HasPrefix(got[0], "<presence from='alice@localhost' to='bob@localhost/phone' type='unavailable'><status>gone fishing</status><delay from='localhost' stamp='") {
		t.Fatalf("probe of an offline contact answered %q", got)
	}
	stamp := got[0][strings.Index(got[0], "stamp='")+7:]
	at, err := time.Parse(time.RFC3339, stamp[:strings.Index(stamp, "'")])
	if err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("last seen %v (%v), want about %v", at, err, before)
	}
}

func TestSessionEnd(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob", "carol")
	w.befriend(alice, bob)
	w.send(bob+"/phone", "<presence/>")
	w.send(alice+"/pda", "<presence/>")
	w.send(alice+"/pda", "<presence to='carol@localhost/desk'/>") // directed, to a stranger
	w.take()

	w.close(alice + "/pda")
	w.expect("a dropped session is announced to subscribers and directed recipients",
		"<presence from='alice@localhost/pda' to='alice@localhost' type='unavailable'/>",
		"<presence from='alice@localhost/pda' to='bob@localhost' type='unavailable'/>",
		"<presence from='alice@localhost/pda' to='carol@localhost/desk' type='unavailable'/>",
	)

	w.p.Handle("<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>", alice+"/silent") // bound, never available
	w.close(alice + "/silent")
	w.close("nobody@localhost/x")
	w.expect("sessions that were never available end silently")
}

func TestConflictingSessionKeepsItsState(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	w.send(bob+"/phone", "<presence/>")
	w.send(alice+"/pda", "<presence/>")
	w.take()
	// A new session binds alice@localhost/pda and takes over; the old one's
	// end is reported after, under its own session id.
	w.p.SetSessions(alice, sdk.Session{JID: alice + "/pda", SessionID: "new", Available: true})
	w.send(alice+"/pda", "<presence><show>chat</show></presence>")
	w.take()
	w.event(sdktest.Event{Kind: sdk.SessionClosed, JID: alice + "/pda", SessionID: alice + "/pda"})
	w.expect("the old session's end does not make the new one unavailable")
	w.send(bob+"/phone", "<presence type='probe' to='alice@localhost'/>")
	w.expect("the new session is still there",
		"<presence from='alice@localhost/pda' to='bob@localhost/phone'><show>chat</show></presence>")
}

// After a restart of the plugin, the sessions online before it are known
// again at once, with the presence they last broadcast: a contact coming
// online sees them, and their end is announced.
func TestRecoversSessionsAfterRestart(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	w.send(bob+"/phone", "<presence><show>away</show></presence>")
	w.take()

	w.restart(sdk.Session{JID: bob + "/phone", SessionID: bob + "/phone", Available: true,
		Presence: parse(t, "<presence from='bob@localhost/phone'><show>away</show></presence>")})
	w.send(alice+"/pda", "<presence/>")
	w.expect("alice online after the restart",
		"<presence from='alice@localhost/pda' to='alice@localhost'/>",
		"<presence from='alice@localhost/pda' to='bob@localhost'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost/pda'><show>away</show></presence>",
	)
	w.close(bob + "/phone")
	w.expect("bob's end, announced",
		"<presence from='bob@localhost/phone' to='alice@localhost' type='unavailable'/>",
		"<presence from='bob@localhost/phone' to='bob@localhost' type='unavailable'/>",
	)
}

func TestDirectedPresence(t *testing.T) {
	w := newWorld(t, map[string]any{"max_directed": 2}, "alice", "bob", "carol", "dave")
	w.befriend(alice, bob)
	w.send(bob+"/phone", "<presence/>")
	w.send(alice+"/pda", "<presence/>")
	w.take()

	w.send(alice+"/pda", "<presence to='carol@localhost'><show>chat</show></presence>")
	w.send(alice+"/pda", "<presence to='bob@localhost/phone'/>")
	w.send(alice+"/pda", "<presence to='dave@localhost'/>") // a third address: over the bound
	w.expect("directed presence goes to any address, up to the bound",
		"<presence from='alice@localhost/pda' to='carol@localhost'><show>chat</show></presence>",
		"<presence from='alice@localhost/pda' to='bob@localhost/phone'/>",
	)
	w.send(alice+"/pda", "<presence to='carol@localhost' type='unavailable'/>")
	w.expect("directed unavailable", "<presence from='alice@localhost/pda' to='carol@localhost' type='unavailable'/>")

	w.send(alice+"/pda", "<presence type='unavailable'/>")
	w.expect("carol was told already; bob's resource hears it with every subscriber",
		"<presence from='alice@localhost/pda' to='alice@localhost' type='unavailable'/>",
		"<presence from='alice@localhost/pda' to='bob@localhost' type='unavailable'/>",
	)
}

func TestProbeFromClient(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob", "carol")
	w.befriend(alice, bob)
	w.send(bob+"/phone", "<presence><status>here</status></presence>")
	w.take()
	// The core treats a probe or subscription stanza to a full JID as sent
	// to the bare JID (RFC 6121 §8.5.3.2); sdktest does not, so the tests
	// address them to bare JIDs.
	w.send(alice+"/pda", "<presence to='bob@localhost' type='probe'/>")
	w.expect("a subscriber's probe is answered",
		"<presence from='bob@localhost/phone' to='alice@localhost/pda'><status>here</status></presence>")
	w.send(carol+"/desk", "<presence to='bob@localhost' type='probe'/>")
	w.expect("a stranger's probe reveals nothing")
}

func TestAccountDeleted(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	w.send(bob+"/phone", "<presence/>")
	w.send(alice+"/pda", "<presence/>")
	w.send(alice+"/pda", "<presence type='unavailable'/>")
	w.send(alice+"/pda", "<presence/>")
	w.take()
	w.event(sdktest.Event{Kind: sdk.AccountDeleted, JID: alice})
	w.close(alice + "/pda") // the core ends the deleted account's sessions
	w.expect("bob still learns that alice's session ended",
		"<presence from='alice@localhost/pda' to='alice@localhost' type='unavailable'/>",
		"<presence from='alice@localhost/pda' to='bob@localhost' type='unavailable'/>",
	)
	if kvs, err := w.p.Store(alice).Scan(t.Context(), "", "", 0, false); err != nil || len(kvs) != 0 {
		t.Errorf("alice's data is still stored: %v, %v", kvs, err)
	}
}

func TestConfig(t *testing.T) {
	w := newWorld(t, nil)
	for _, cfg := range []map[string]any{{"max_directd": 5}, {"max_directed": 0}} {
		if err := w.p.Configure(cfg); err == nil {
			t.Errorf("config %v was accepted", cfg)
		}
	}
}

func canonicalXML(t *testing.T, s string) string {
	t.Helper()
	el := parse(t, s)
	return canonical(el)
}

// TestSessionsElsewhere: in a cluster, a contact's session on another
// node answers initial presence here and is reached by broadcasts, and
// the node holding it speaks for it: nothing is sent here when it changes
// or goes, nor for its account when a subscription changes; when its node
// dies and this one is told it closed, its end is announced here.
func TestSessionsElsewhere(t *testing.T) {
	w := newWorld(t, nil, "alice", "bob")
	w.befriend(alice, bob)
	elsewhere := func(stanza string) {
		w.event(sdktest.Event{Kind: sdk.SessionElsewhere, JID: bob + "/phone", SessionID: "n2-1", Stanza: stanza})
	}
	elsewhere("<presence><show>away</show></presence>")
	w.expect("bob available on another node")
	w.send(alice+"/pda", "<presence/>")
	w.expect("alice online",
		"<presence from='alice@localhost/pda' to='alice@localhost'/>",
		"<presence from='alice@localhost/pda' to='bob@localhost'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost/pda'><show>away</show></presence>",
	)
	elsewhere("<presence><show>dnd</show></presence>")
	w.send(alice+"/laptop", "<presence/>")
	w.expect("alice's second session",
		"<presence from='alice@localhost/laptop' to='alice@localhost'/>",
		"<presence from='alice@localhost/laptop' to='bob@localhost'/>",
		"<presence from='alice@localhost/pda' to='alice@localhost/laptop'/>",
		"<presence from='bob@localhost/phone' to='alice@localhost/laptop'><show>dnd</show></presence>",
	)
	// Gone from its node: no longer reachable, nothing sent for it.
	elsewhere("")
	w.expect("bob gone elsewhere")
	w.send(alice+"/pda", "<presence><show>chat</show></presence>")
	w.expect("alice's broadcast with bob offline",
		"<presence from='alice@localhost/pda' to='alice@localhost'><show>chat</show></presence>",
	)

	// Back, then its node dies: this node is told it closed.
	elsewhere("<presence/>")
	w.event(sdktest.Event{Kind: sdk.SessionClosed, JID: bob + "/phone", SessionID: "n2-1"})
	w.expect("bob's end, announced by a survivor",
		"<presence from='bob@localhost/phone' to='alice@localhost' type='unavailable'/>",
		"<presence from='bob@localhost/phone' to='bob@localhost' type='unavailable'/>",
	)

	// bob, with a session here and one on another node, cancels alice's
	// subscription: this node sends the unavailable presence of his
	// session here, the other node that of his session there.
	w.send(bob+"/desk", "<presence/>")
	elsewhere("<presence/>")
	w.take()
	w.send(bob+"/desk", "<presence to='alice@localhost' type='unsubscribed'/>")
	var fromBob []string
	for _, s := range w.take() {
		if strings.Contains(s, "type='unavailable'") {
			fromBob = append(fromBob, s)
		}
	}
	if want := []string{"<presence from='bob@localhost/desk' to='alice@localhost' type='unavailable'/>"}; !slices.Equal(fromBob, want) {
		t.Errorf("unavailable presence sent %q, want %q", fromBob, want)
	}
}
