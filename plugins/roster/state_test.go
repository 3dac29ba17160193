package roster

import "testing"

// TestAppendixA lists every row of RFC 6121 Appendix A.2 and A.3, written
// out from the RFC's tables rather than from the code's, plus the rows
// that pre-approval (§3.4) adds.
func TestAppendixA(t *testing.T) {
	const (
		out = Outbound
		in  = Inbound
		_   = iota
		pre // the outbound subscribed is a pre-approval
		cnl // the outbound unsubscribed cancels a pre-approval
		aut // auto-reply "subscribed" on the recipient's behalf
	)
	rows := []struct {
		dir      Direction
		typ      string
		from     State
		approved bool
		to       State
		pass     bool // ROUTE? or DELIVER?
		effect   int
	}{
		// A.2.1 outbound subscribe: always routed.
		{out, "subscribe", None, false, NonePendingOut, true, 0},
		{out, "subscribe", NonePendingOut, false, NonePendingOut, true, 0},
		{out, "subscribe", NonePendingIn, false, NonePendingOutIn, true, 0},
		{out, "subscribe", NonePendingOutIn, false, NonePendingOutIn, true, 0},
		{out, "subscribe", To, false, To, true, 0},
		{out, "subscribe", ToPendingIn, false, ToPendingIn, true, 0},
		{out, "subscribe", From, false, FromPendingOut, true, 0},
		{out, "subscribe", FromPendingOut, false, FromPendingOut, true, 0},
		{out, "subscribe", Both, false, Both, true, 0},
		// A.2.2 outbound unsubscribe: always routed.
		{out, "unsubscribe", None, false, None, true, 0},
		{out, "unsubscribe", NonePendingOut, false, None, true, 0},
		{out, "unsubscribe", NonePendingIn, false, NonePendingIn, true, 0},
		{out, "unsubscribe", NonePendingOutIn, false, NonePendingIn, true, 0},
		{out, "unsubscribe", To, false, None, true, 0},
		{out, "unsubscribe", ToPendingIn, false, NonePendingIn, true, 0},
		{out, "unsubscribe", From, false, From, true, 0},
		{out, "unsubscribe", FromPendingOut, false, From, true, 0},
		{out, "unsubscribe", Both, false, From, true, 0},
		// A.2.3 outbound subscribed.
		{out, "subscribed", None, false, None, false, pre},
		{out, "subscribed", NonePendingOut, false, NonePendingOut, false, pre},
		{out, "subscribed", NonePendingIn, false, From, true, 0},
		{out, "subscribed", NonePendingOutIn, false, FromPendingOut, true, 0},
		{out, "subscribed", To, false, To, false, pre},
		{out, "subscribed", ToPendingIn, false, Both, true, 0},
		{out, "subscribed", From, false, From, false, 0},
		{out, "subscribed", FromPendingOut, false, FromPendingOut, false, 0},
		{out, "subscribed", Both, false, Both, false, 0},
		// A.2.4 outbound unsubscribed.
		{out, "unsubscribed", None, false, None, false, cnl},
		{out, "unsubscribed", NonePendingOut, false, NonePendingOut, false, cnl},
		{out, "unsubscribed", NonePendingIn, false, None, true, 0},
		{out, "unsubscribed", NonePendingOutIn, false, NonePendingOut, true, 0},
		{out, "unsubscribed", To, false, To, false, cnl},
		{out, "unsubscribed", ToPendingIn, false, To, true, 0},
		{out, "unsubscribed", From, false, None, true, 0},
		{out, "unsubscribed", FromPendingOut, false, NonePendingOut, true, 0},
		{out, "unsubscribed", Both, false, To, true, 0},
		// A.3.1 inbound subscribe; * rows auto-reply.
		{in, "subscribe", None, false, NonePendingIn, true, 0},
		{in, "subscribe", NonePendingOut, false, NonePendingOutIn, true, 0},
		{in, "subscribe", NonePendingIn, false, NonePendingIn, false, 0},
		{in, "subscribe", NonePendingOutIn, false, NonePendingOutIn, false, 0},
		{in, "subscribe", To, false, ToPendingIn, true, 0},
		{in, "subscribe", ToPendingIn, false, ToPendingIn, false, 0},
		{in, "subscribe", From, false, From, false, aut},
		{in, "subscribe", FromPendingOut, false, FromPendingOut, false, aut},
		{in, "subscribe", Both, false, Both, false, aut},
		// §3.4.2: a pre-approved contact's request is approved, not delivered.
		{in, "subscribe", None, true, From, false, aut},
		{in, "subscribe", NonePendingOut, true, FromPendingOut, false, aut},
		{in, "subscribe", To, true, Both, false, aut},
		// A.3.2 inbound unsubscribe.
		{in, "unsubscribe", None, false, None, false, 0},
		{in, "unsubscribe", NonePendingOut, false, NonePendingOut, false, 0},
		{in, "unsubscribe", NonePendingIn, false, None, true, 0},
		{in, "unsubscribe", NonePendingOutIn, false, NonePendingOut, true, 0},
		{in, "unsubscribe", To, false, To, false, 0},
		{in, "unsubscribe", ToPendingIn, false, To, true, 0},
		{in, "unsubscribe", From, false, None, true, 0},
		{in, "unsubscribe", FromPendingOut, false, NonePendingOut, true, 0},
		{in, "unsubscribe", Both, false, To, true, 0},
		// A.3.3 inbound subscribed.
		{in, "subscribed", None, false, None, false, 0},
		{in, "subscribed", NonePendingOut, false, To, true, 0},
		{in, "subscribed", NonePendingIn, false, NonePendingIn, false, 0},
		{in, "subscribed", NonePendingOutIn, false, ToPendingIn, true, 0},
		{in, "subscribed", To, false, To, false, 0},
		{in, "subscribed", ToPendingIn, false, ToPendingIn, false, 0},
		{in, "subscribed", From, false, From, false, 0},
		{in, "subscribed", FromPendingOut, false, Both, true, 0},
		{in, "subscribed", Both, false, Both, false, 0},
		// A.3.4 inbound unsubscribed.
		{in, "unsubscribed", None, false, None, false, 0},
		{in, "unsubscribed", NonePendingOut, false, None, true, 0},
		{in, "unsubscribed", NonePendingIn, false, NonePendingIn, false, 0},
		{in, "unsubscribed", NonePendingOutIn, false, NonePendingIn, true, 0},
		{in, "unsubscribed", To, false, None, true, 0},
		{in, "unsubscribed", ToPendingIn, false, NonePendingIn, true, 0},
		{in, "unsubscribed", From, false, From, false, 0},
		{in, "unsubscribed", FromPendingOut, false, From, true, 0},
		{in, "unsubscribed", Both, false, From, true, 0},
	}
	type key struct {
		dir Direction
		typ string
		s   State
	}
	seen := map[key]bool{}
	for _, r := range rows {
		name := []string{"outbound", "inbound"}[r.dir] + " " + r.typ + " in " + r.from.String()
		if r.approved {
			name += " (pre-approved)"
		}
		t.Run(name, func(t *testing.T) {
			got, ok := Transition(r.dir, r.typ, r.from, r.approved)
			want := Outcome{Next: r.to, Pass: r.pass, PreApprove: r.effect == pre, CancelPreApproval: r.effect == cnl, AutoReply: r.effect == aut}
			if !ok || got != want {
				t.Errorf("Transition = %+v, %v; want %+v", got, ok, want)
			}
		})
		if !r.approved {
			seen[key{r.dir, r.typ, r.from}] = true
		}
	}
	// Every (direction, type, state) of Appendix A is listed: 2 × 4 × 9.
	if len(seen) != 72 {
		t.Errorf("the table lists %d distinct rows, want 72", len(seen))
	}
}

func TestApprovalOnlyMattersForInboundSubscribe(t *testing.T) {
	for _, d := range []Direction{Outbound, Inbound} {
		for _, typ := range []string{"subscribe", "subscribed", "unsubscribe", "unsubscribed"} {
			for s := None; s <= Both; s++ {
				plain, _ := Transition(d, typ, s, false)
				approved, _ := Transition(d, typ, s, true)
				_, special := preApproved[s]
				if (d != Inbound || typ != "subscribe" || !special) && plain != approved {
					t.Errorf("%v %s in %v: approval changed the outcome from %+v to %+v", d, typ, s, plain, approved)
				}
			}
		}
	}
}

func TestTransitionRejectsOtherTypes(t *testing.T) {
	for _, typ := range []string{"probe", "available", "unavailable", ""} {
		if _, ok := Transition(Inbound, typ, None, false); ok {
			t.Errorf("Transition accepted type %q", typ)
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	for s := None; s <= Both; s++ {
		if got := stateOf(s.Subscription(), s.PendingOut(), s.PendingIn()); got != s {
			t.Errorf("stateOf(%v's attributes) = %v", s, got)
		}
	}
}
