package roster_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// The rules that managed items change elsewhere in the roster: remove,
// subscription stanzas, account deletion, max_items, pending requests.

func TestManagedItemCannotBeRemoved(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, h *sdktest.Harness)
	}{
		{"managed only", func(*testing.T, *sdktest.Harness) {}},
		{"also the owner's", func(t *testing.T, h *sdktest.Harness) {
			if err := set(h, alice+"/a", `<item jid='bob@localhost' name='Bob'/>`); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, "alice", "bob")
			tt.setup(t, h)
			manage(t, h, shared, alice, mi(bob, "Staff"))
			n := len(h.Sent())
			err := set(h, alice+"/a", `<item jid='bob@localhost' subscription='remove'/>`)
			if err == nil || err.Condition != stanza.NotAllowed {
				t.Errorf("remove: %v, want not-allowed", err)
			}
			if got := sentSince(h, n); len(got) != 0 {
				t.Errorf("a refused remove sent %q", got)
			}
			if s := state(t, h, alice, bob); s != "both" {
				t.Errorf("alice has bob %s, want both", s)
			}
		})
	}
}

// TestSubscriptionStanzasBetweenManagedItems: when either side's item is
// managed, a subscription stanza delivers nothing and changes nothing,
// neither the items nor the own parts beneath.
func TestSubscriptionStanzasBetweenManagedItems(t *testing.T) {
	sides := []struct {
		name    string
		managed []string // whose item for the other is managed
	}{
		{"the sender's", []string{alice}},
		{"the recipient's", []string{bob}},
		{"both", []string{alice, bob}},
	}
	for _, side := range sides {
		for _, typ := range []string{"subscribe", "subscribed", "unsubscribe", "unsubscribed"} {
			t.Run(side.name+" "+typ, func(t *testing.T) {
				h := newHarness(t, nil, "alice", "bob")
				send(t, h, alice, bob, "subscribe")
				send(t, h, bob, alice, "subscribed") // alice has bob as to, bob has alice as from
				for _, owner := range side.managed {
					other := map[string]string{alice: bob, bob: alice}[owner]
					manage(t, h, shared, owner, mi(other, "Staff"))
				}
				interested(t, h, alice+"/a")
				interested(t, h, bob+"/b")
				h.Published()
				n := len(h.Sent())
				if got := send(t, h, alice, bob, typ); len(got) != 0 {
					t.Errorf("delivered %q", got)
				}
				if got := sentSince(h, n); len(got) != 0 {
					t.Errorf("sent %q", got)
				}
				if p := h.Published(); len(p) != 0 {
					t.Errorf("published %+v", p)
				}
				for _, owner := range side.managed {
					manage(t, h, shared, owner)
				}
				if a, b := state(t, h, alice, bob), state(t, h, bob, alice); a != "to" || b != "from" {
					t.Errorf("beneath, alice has bob %s and bob has alice %s; want to and from", a, b)
				}
			})
		}
	}
}

// TestRemoveWhenOnlyTheContactsItemIsManaged: the owner may remove its own
// item; the contact's own part follows, so that both stay in step, but the
// contact, who still sees the owner as both, is sent nothing.
func TestRemoveWhenOnlyTheContactsItemIsManaged(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	mutual(t, h)
	manage(t, h, shared, bob, mi(alice, "Staff"))
	n := len(h.Sent())
	if err := set(h, alice+"/a", `<item jid='bob@localhost' subscription='remove'/>`); err != nil {
		t.Fatal(err)
	}
	for _, el := range sentSince(h, n) {
		if strings.HasPrefix(el, "<presence") {
			t.Errorf("sent %s to a contact that still sees alice as both", el)
		}
	}
	if s := state(t, h, bob, alice); s != "both" {
		t.Errorf("bob has alice %s, want both while managed", s)
	}
	manage(t, h, shared, bob)
	if s := state(t, h, bob, alice); s != "none" {
		t.Errorf("beneath, bob has alice %s, want none", s)
	}
}

// TestAccountDeletedTakesManagedItemsBack: the contacts' items for a
// deleted account lose their managed parts; those that were managed only
// go, the others stay as the contact's own.
func TestAccountDeletedTakesManagedItemsBack(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob", "carol")
	send(t, h, alice, carol, "subscribe")
	send(t, h, carol, alice, "subscribed") // carol has alice as from
	manage(t, h, shared, alice, mi(bob, "Staff"), mi(carol, "Staff"))
	manage(t, h, shared, bob, mi(alice, "Staff"))
	manage(t, h, shared, carol, mi(alice, "Staff"))
	interested(t, h, bob+"/b")
	interested(t, h, carol+"/c")
	n := len(h.Sent())
	event(t, h, sdktest.Event{Kind: sdk.AccountDeleted, JID: alice})
	tests := []struct {
		owner, full, state, push string
	}{
		{bob, bob + "/b", "absent", "<item jid='alice@localhost' subscription='remove'/>"},
		{carol, carol + "/c", "none", "<item jid='alice@localhost' subscription='none'/>"},
	}
	for _, tt := range tests {
		if s := state(t, h, tt.owner, alice); s != tt.state {
			t.Errorf("%s has alice %s, want %s", tt.owner, s, tt.state)
		}
		if got := pushesTo(h, n, tt.full); !slices.Equal(got, []string{tt.push}) {
			t.Errorf("%s's pushes %q, want %q", tt.owner, got, tt.push)
		}
	}
	if !slices.Contains(sentSince(h, n), "<presence from='alice@localhost' to='carol@localhost' type='unsubscribe'/>") {
		t.Errorf("carol, who is no longer managed, was not told that alice's subscription ended")
	}
	if _, err := h.Store(bob).Get(ctx, "item/"+alice); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("bob's record for alice: %v, want deleted", err)
	}
}

// TestManagedItemsDoNotCountTowardsMaxItems: only the owner's own items
// count; the owner's edit of a managed item makes it its own.
func TestManagedItemsDoNotCountTowardsMaxItems(t *testing.T) {
	h := newHarness(t, map[string]any{"max_items": 1}, "alice")
	manage(t, h, shared, alice, mi("m1@localhost"), mi("m2@localhost"), mi("m3@localhost"))
	tests := []struct {
		item string
		want stanza.Condition
	}{
		{`<item jid='x@localhost'/>`, ""},
		{`<item jid='y@localhost'/>`, stanza.NotAcceptable},
		{`<item jid='m1@localhost' name='M'/>`, stanza.NotAcceptable}, // would be a second own item
		{`<item jid='x@localhost' name='X'/>`, ""},
	}
	for _, tt := range tests {
		err := set(h, alice+"/a", tt.item)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.item, err)
		case tt.want != "" && (err == nil || err.Condition != tt.want):
			t.Errorf("%s: error %v, want %s", tt.item, err, tt.want)
		}
	}
	if n := len(items(t, h, alice).Items); n != 4 {
		t.Errorf("alice's roster holds %d items, want 4", n)
	}
}

// TestPendingLeavesManagedContactsOut: a request from a contact who then
// becomes managed is not delivered at login while it is (the two share
// presence already), and is again once it is not.
func TestPendingLeavesManagedContactsOut(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	send(t, h, bob, alice, "subscribe")
	manage(t, h, shared, alice, mi(bob))
	if got := pending(t, h, alice); len(got) != 0 {
		t.Errorf("pending %q while bob is managed", got)
	}
	manage(t, h, shared, alice)
	if got := pending(t, h, alice); len(got) != 1 {
		t.Errorf("pending %q once bob is not managed, want his request", got)
	}
	if s := state(t, h, alice, bob); s != "absent" {
		t.Errorf("alice has bob %s, want absent: the request alone is not an item", s)
	}
}
