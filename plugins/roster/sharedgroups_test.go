package roster_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/presence"
	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/plugins/sharedroster"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// groupsWorld is roster beside the real sharedroster and presence
// plugins, each in its own harness, wired as the core wires them: their
// calls to roster reach roster's methods, and what roster publishes
// reaches presence, in order, when the test calls flush.
type groupsWorld struct {
	t             *testing.T
	r, s, p       *sdktest.Harness
	managedCalled chan struct{}
}

func newGroupsWorld(t *testing.T, groups map[string]any, users ...string) *groupsWorld {
	t.Helper()
	quiet := sdktest.Options{Logger: hclog.NewNullLogger()}
	w := &groupsWorld{
		t:             t,
		r:             sdktest.New(t, roster.New(), quiet),
		s:             sdktest.New(t, sharedroster.New(), sdktest.Options{Logger: hclog.NewNullLogger(), Config: groups}),
		p:             sdktest.New(t, presence.New(), quiet),
		managedCalled: make(chan struct{}, 1),
	}
	w.s.Provide("roster", "managed", func(_ context.Context, caller string, payload []byte) ([]byte, error) {
		defer func() {
			select {
			case w.managedCalled <- struct{}{}:
			default:
			}
		}()
		return w.r.Invoke("managed", caller, payload)
	})
	for _, m := range []string{"items", "pending", "subscription"} {
		w.p.Provide("roster", m, func(_ context.Context, caller string, payload []byte) ([]byte, error) {
			return w.r.Invoke(m, caller, payload)
		})
	}
	for _, u := range users {
		for _, h := range []*sdktest.Harness{w.r, w.s, w.p} {
			if err := h.Accounts().Create(t.Context(), u, "secret"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

// flush delivers roster's publications to presence, in order.
func (w *groupsWorld) flush() {
	w.t.Helper()
	for _, pub := range w.r.Published() {
		event(w.t, w.p, sdktest.Event{Kind: sdk.Published, Topic: "roster." + pub.Topic, JID: pub.JID, Payload: pub.Payload})
	}
}

// presenceSent is what presence sent from the n-th stanza on, as
// "from → to", sorted.
func (w *groupsWorld) presenceSent(n int) []string {
	var out []string
	for _, el := range w.p.Sent()[n:] {
		out = append(out, el.SelectAttrValue("from", "")+" → "+el.SelectAttrValue("to", "")+" "+el.SelectAttrValue("type", "available"))
	}
	slices.Sort(out)
	return out
}

// waitFor reports whether cond came to hold, checking it again each time
// roster's managed method has been called, up to a deadline.
func (w *groupsWorld) waitFor(cond func() bool) bool {
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-w.managedCalled:
		case <-deadline:
			return false
		}
	}
	return true
}

// TestSharedGroupsThroughRoster plays sharedroster's syncs against the real
// roster, and presence following roster's changed topic: members of a
// group share presence without any subscription stanza, and stop when the
// group goes.
func TestSharedGroupsThroughRoster(t *testing.T) {
	staff := map[string]any{"groups": []map[string]any{
		{"name": "Staff", "members": []string{alice, bob, carol}},
	}}
	// sharedroster starts with no group: its harness lists it as running,
	// so a Configure with groups would sync in the background, and a sync
	// that beat the presences below would leave nothing to change.
	w := newGroupsWorld(t, nil, "alice", "bob", "dave")
	for _, full := range []string{alice + "/a", bob + "/b"} {
		if r := w.p.Handle("<presence/>", full); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	n := len(w.p.Sent())
	// The group comes with a reload, which syncs in the background, and
	// the ManifestsChanged sync waits for that one: once it returns, the
	// rosters hold the group.
	if err := w.s.Configure(staff); err != nil {
		t.Fatal(err)
	}
	event(t, w.s, sdktest.Event{Kind: sdk.ManifestsChanged})
	for _, tt := range []struct{ owner, contact, want string }{
		{alice, bob, "both"}, {bob, alice, "both"},
		{alice, carol, "absent"},            // carol has no account yet
		{"dave@localhost", alice, "absent"}, // dave is in no group
	} {
		if s := state(t, w.r, tt.owner, tt.contact); s != tt.want {
			t.Errorf("%s has %s %s, want %s", tt.owner, tt.contact, s, tt.want)
		}
	}
	if it, _ := item(t, w.r, alice, bob); !slices.Equal(it.Groups, []string{"Staff"}) || !it.Managed {
		t.Errorf("alice's item for bob %+v, want managed in Staff", it)
	}
	// Roster's last managed call may still be publishing: deliver what it
	// published until both directions are there.
	want := []string{alice + "/a → " + bob + " available", bob + "/b → " + alice + " available"}
	var got []string
	if !w.waitFor(func() bool {
		w.flush()
		got = w.presenceSent(n)
		return slices.Equal(got, want)
	}) {
		t.Fatalf("once in a group, presence sent\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// bob cannot take alice out, and a subscription stanza changes nothing.
	if r := w.r.Handle(`<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='alice@localhost' subscription='remove'/></query></iq>`, bob+"/b"); r.Err == nil {
		t.Error("bob removed a shared-group contact")
	}
	if r := w.p.Handle("<presence to='alice@localhost' type='unsubscribe'/>", bob+"/b"); r.Err != nil {
		t.Fatal(r.Err)
	}
	if s := state(t, w.r, bob, alice); s != "both" {
		t.Errorf("after bob's unsubscribe, bob has alice %s, want both", s)
	}
	// The group goes on a reload, and presence stops being shared. The
	// reload's sync runs in the background: roster may have removed an
	// item and not yet published it, so wait on what presence sent.
	n = len(w.p.Sent())
	if err := w.s.Configure(nil); err != nil {
		t.Fatal(err)
	}
	want = []string{alice + "/a → " + bob + " unavailable", bob + "/b → " + alice + " unavailable"}
	if !w.waitFor(func() bool {
		w.flush()
		got = w.presenceSent(n)
		return slices.Equal(got, want)
	}) {
		t.Fatalf("once out of the group, presence sent\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tt := range [][2]string{{alice, bob}, {bob, alice}} {
		if s := state(t, w.r, tt[0], tt[1]); s != "absent" {
			t.Errorf("out of the group, %s has %s %s, want absent", tt[0], tt[1], s)
		}
	}
}
