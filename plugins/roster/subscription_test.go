package roster_test

import (
	"slices"
	"testing"
)

const (
	alice = "alice@localhost"
	bob   = "bob@localhost"
	carol = "carol@localhost"
)

// step is one subscription stanza and what both sides see after it.
type step struct {
	from, to, typ string
	deliver       []string // the stanzas to deliver, in order
	alice, bob    string   // alice's item for bob, bob's item for alice: "absent", "none", "to+ask"…
}

func play(t *testing.T, steps []step) {
	t.Helper()
	h := newHarness(t, nil, "alice", "bob")
	for i, s := range steps {
		got := send(t, h, s.from, s.to, s.typ)
		if !slices.Equal(got, s.deliver) {
			t.Errorf("step %d (%s %s → %s): delivered\n%q\nwant\n%q", i+1, s.typ, s.from, s.to, got, s.deliver)
		}
		if a, b := state(t, h, alice, bob), state(t, h, bob, alice); a != s.alice || b != s.bob {
			t.Errorf("step %d (%s %s → %s): alice has bob %s, bob has alice %s; want %s and %s", i+1, s.typ, s.from, s.to, a, b, s.alice, s.bob)
		}
	}
}

func TestSubscriptionFlows(t *testing.T) {
	sub := func(from, to, typ string) string {
		return "<presence from='" + from + "' to='" + to + "' type='" + typ + "'/>"
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"request, approval, mutual, then unsubscribe and revoke", []step{
			// The request reaches bob but adds nothing to his roster (§3.1.3).
			{alice, bob, "subscribe", []string{sub(alice, bob, "subscribe")}, "none+ask", "absent"},
			{bob, alice, "subscribed", []string{sub(bob, alice, "subscribed")}, "to", "from"},
			{bob, alice, "subscribe", []string{sub(bob, alice, "subscribe")}, "to", "from+ask"},
			{alice, bob, "subscribed", []string{sub(alice, bob, "subscribed")}, "both", "both"},
			{alice, bob, "unsubscribe", []string{sub(alice, bob, "unsubscribe")}, "from", "to"},
			{alice, bob, "unsubscribed", []string{sub(alice, bob, "unsubscribed")}, "none", "none"},
		}},
		{"denied request", []step{
			{alice, bob, "subscribe", []string{sub(alice, bob, "subscribe")}, "none+ask", "absent"},
			{bob, alice, "unsubscribed", []string{sub(bob, alice, "unsubscribed")}, "none", "absent"},
		}},
		{"request withdrawn before an answer", []step{
			{alice, bob, "subscribe", []string{sub(alice, bob, "subscribe")}, "none+ask", "absent"},
			{alice, bob, "unsubscribe", []string{sub(alice, bob, "unsubscribe")}, "none", "absent"},
		}},
		{"a repeated request is not delivered again", []step{
			{alice, bob, "subscribe", []string{sub(alice, bob, "subscribe")}, "none+ask", "absent"},
			{alice, bob, "subscribe", nil, "none+ask", "absent"},
		}},
		{"already subscribed: the contact's server answers, nothing changes", []step{
			{alice, bob, "subscribe", []string{sub(alice, bob, "subscribe")}, "none+ask", "absent"},
			{bob, alice, "subscribed", []string{sub(bob, alice, "subscribed")}, "to", "from"},
			{alice, bob, "subscribe", nil, "to", "from"},
		}},
		{"an approval without a request is a pre-approval, used by the next request", []step{
			{bob, alice, "subscribed", nil, "absent", "none"},
			{alice, bob, "subscribe", []string{sub(bob, alice, "subscribed")}, "to", "from"},
		}},
		{"a cancelled pre-approval", []step{
			{bob, alice, "subscribed", nil, "absent", "none"},
			{bob, alice, "unsubscribed", nil, "absent", "none"},
			{alice, bob, "subscribe", []string{sub(alice, bob, "subscribe")}, "none+ask", "none"},
		}},
		{"requests crossing", []step{
			{alice, bob, "subscribe", []string{sub(alice, bob, "subscribe")}, "none+ask", "absent"},
			{bob, alice, "subscribe", []string{sub(bob, alice, "subscribe")}, "none+ask", "none+ask"},
			{alice, bob, "subscribed", []string{sub(alice, bob, "subscribed")}, "from+ask", "to"},
			{bob, alice, "subscribed", []string{sub(bob, alice, "subscribed")}, "both", "both"},
		}},
		{"unsubscribed and unsubscribe with nothing to cancel still reach the contact as the tables say", []step{
			{alice, bob, "unsubscribe", nil, "absent", "absent"},
			{alice, bob, "unsubscribed", nil, "absent", "absent"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { play(t, tt.steps) })
	}
}

func TestPreApprovalIsPushedAsApproved(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	interested(t, h, bob+"/pda")
	n := len(h.Sent())
	send(t, h, bob, alice, "subscribed")
	want := []string{"<item approved='true' jid='alice@localhost' subscription='none'/>"}
	if got := pushesTo(h, n, bob+"/pda"); !slices.Equal(got, want) {
		t.Errorf("pushes %q, want %q", got, want)
	}
	if it, _ := item(t, h, bob, alice); !it.Approved {
		t.Errorf("items shows %+v, want approved", it)
	}
	send(t, h, alice, bob, "subscribe")
	if it, _ := item(t, h, bob, alice); it.Approved || it.Subscription != "from" {
		t.Errorf("after the request bob has %+v, want from without approval", it)
	}
}

func TestRequestKeepsItsContentUntilAnswered(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob", "carol")
	req := "<presence type='subscribe' id='s1'><status>It is Alice</status><nick xmlns='http://jabber.org/protocol/nick'>Al</nick></presence>"
	want := "<presence from='alice@localhost' id='s1' to='bob@localhost' type='subscribe'><status>It is Alice</status><nick xmlns='http://jabber.org/protocol/nick'>Al</nick></presence>"
	if got := sendStanza(t, h, alice, bob, req); !slices.Equal(got, []string{want}) {
		t.Errorf("delivered %q, want %q", got, want)
	}
	send(t, h, carol, bob, "subscribe")
	wantPending := []string{want, "<presence from='carol@localhost' to='bob@localhost' type='subscribe'/>"}
	if got := pending(t, h, bob); !slices.Equal(got, wantPending) {
		t.Errorf("pending %q, want %q", got, wantPending)
	}
	send(t, h, bob, alice, "subscribed")
	send(t, h, bob, carol, "unsubscribed")
	if got := pending(t, h, bob); len(got) != 0 {
		t.Errorf("answered requests still pending: %q", got)
	}
}

func TestSubscribeToUnknownAccountIsRefused(t *testing.T) {
	h := newHarness(t, nil, "alice")
	got := send(t, h, alice, "nobody@localhost", "subscribe")
	want := []string{"<presence from='nobody@localhost' to='alice@localhost' type='unsubscribed'/>"}
	if !slices.Equal(got, want) {
		t.Errorf("delivered %q, want %q", got, want)
	}
	if s := state(t, h, alice, "nobody@localhost"); s != "none" {
		t.Errorf("alice's item is %s, want none without ask", s)
	}
}

func TestSubscriptionToOneselfChangesNothing(t *testing.T) {
	h := newHarness(t, nil, "alice")
	if got := send(t, h, alice, alice, "subscribe"); len(got) != 0 {
		t.Errorf("delivered %q", got)
	}
	if its := items(t, h, alice); len(its.Items) != 0 {
		t.Errorf("roster %+v, want empty", its)
	}
}

func TestSubscriptionMethodRejectsBadPayloads(t *testing.T) {
	h := newHarness(t, nil, "alice")
	for _, payload := range []string{
		`not json`,
		`{"from":"alice@localhost","to":"bob@localhost","stanza":"<message/>"}`,
		`{"from":"alice@localhost","to":"bob@localhost","stanza":"<presence type='probe'/>"}`,
		`{"from":"@","to":"bob@localhost","stanza":"<presence type='subscribe'/>"}`,
	} {
		if _, err := h.Invoke("subscription", "presence", []byte(payload)); err == nil {
			t.Errorf("payload %s was accepted", payload)
		}
	}
}
