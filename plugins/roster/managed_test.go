package roster_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// shared is the caller that the tests manage items as, like sharedroster.
const shared = "sharedroster"

// manage hands roster, as caller, every item it manages in owner's
// roster, and fails the test on error.
func manage(t *testing.T, h *sdktest.Harness, caller, owner string, items ...roster.ManagedItem) {
	t.Helper()
	if err := tryManage(h, caller, owner, items); err != nil {
		t.Fatalf("managed %s as %s: %v", owner, caller, err)
	}
}

func tryManage(h *sdktest.Harness, caller, owner string, items []roster.ManagedItem) error {
	if items == nil {
		items = []roster.ManagedItem{}
	}
	payload, err := json.Marshal(roster.ManagedRequest{Owner: owner, Items: items})
	if err != nil {
		return err
	}
	out, err := h.Invoke("managed", caller, payload)
	if err == nil && string(out) != "{}" {
		return errors.New("answered " + string(out) + ", want {}")
	}
	return err
}

func mi(jid string, groups ...string) roster.ManagedItem {
	return roster.ManagedItem{JID: jid, Groups: groups}
}

// set sends a roster set of one item from full and returns its error.
func set(h *sdktest.Harness, full, item string) *stanza.Error {
	return h.Handle(`<iq type='set' id='s'><query xmlns='jabber:iq:roster'>`+item+`</query></iq>`, full).Err
}

func TestManagedRejectsBadRequests(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	tests := []struct {
		name, caller, payload string
		want                  stanza.Condition
	}{
		{"not JSON", shared, `not json`, stanza.BadRequest},
		{"no caller", "", `{"owner":"alice@localhost","items":[]}`, stanza.BadRequest},
		{"owner with a resource", shared, `{"owner":"alice@localhost/desk","items":[]}`, stanza.JIDMalformed},
		{"owner malformed", shared, `{"owner":"not a jid@","items":[]}`, stanza.JIDMalformed},
		{"owner without an account", shared, `{"owner":"nobody@localhost","items":[]}`, stanza.ItemNotFound},
		{"owner of another domain", shared, `{"owner":"alice@example.org","items":[]}`, stanza.ItemNotFound},
		{"items absent", shared, `{"owner":"alice@localhost"}`, stanza.BadRequest},
		{"items null", shared, `{"owner":"alice@localhost","items":null}`, stanza.BadRequest},
		{"item malformed", shared, `{"owner":"alice@localhost","items":[{"jid":"@"}]}`, stanza.JIDMalformed},
		{"item with a resource", shared, `{"owner":"alice@localhost","items":[{"jid":"bob@localhost/desk"}]}`, stanza.JIDMalformed},
		{"the owner itself", shared, `{"owner":"alice@localhost","items":[{"jid":"ALICE@localhost"}]}`, stanza.BadRequest},
		{"an item twice", shared, `{"owner":"alice@localhost","items":[{"jid":"bob@localhost"},{"jid":"Bob@localhost"}]}`, stanza.BadRequest},
		{"a blank group", shared, `{"owner":"alice@localhost","items":[{"jid":"bob@localhost","groups":[" "]}]}`, stanza.BadRequest},
		{"a group twice", shared, `{"owner":"alice@localhost","items":[{"jid":"bob@localhost","groups":["A","A"]}]}`, stanza.BadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.Invoke("managed", tt.caller, []byte(tt.payload))
			var se *stanza.Error
			if !errors.As(err, &se) || se.Condition != tt.want {
				t.Errorf("error %v, want %s", err, tt.want)
			}
		})
	}
	if kvs, err := h.Store(alice).Scan(ctx, "", "", 0, false); err != nil || len(kvs) != 0 {
		t.Errorf("refused requests wrote %v (%v)", kvs, err)
	}
}

// TestManagedItemView is what clients and other plugins see of a managed
// item, whatever the owner's own part beneath, and that the own part is
// back, unchanged, once the managed part goes.
func TestManagedItemView(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, h *sdktest.Harness)
		item  roster.ManagedItem // alice's managed item for bob
		want  roster.Item
		after string // alice's item for bob once the managed part goes
	}{
		{
			name:  "no own item",
			item:  roster.ManagedItem{JID: bob, Name: "Bob S", Groups: []string{"Staff"}},
			want:  roster.Item{JID: bob, Name: "Bob S", Subscription: "both", Groups: []string{"Staff"}, Managed: true},
			after: "absent",
		},
		{
			name: "own name and groups come first, each group once",
			setup: func(t *testing.T, h *sdktest.Harness) {
				if err := set(h, alice+"/a", `<item jid='bob@localhost' name='Bobby'><group>Friends</group><group>Staff</group></item>`); err != nil {
					t.Fatal(err)
				}
			},
			item:  roster.ManagedItem{JID: bob, Name: "Bob S", Groups: []string{"Staff", "Ops"}},
			want:  roster.Item{JID: bob, Name: "Bobby", Subscription: "both", Groups: []string{"Friends", "Staff", "Ops"}, Managed: true},
			after: "none",
		},
		{
			name:  "a pending request of the owner is not shown",
			setup: func(t *testing.T, h *sdktest.Harness) { send(t, h, alice, bob, "subscribe") },
			item:  mi(bob),
			want:  roster.Item{JID: bob, Subscription: "both", Groups: []string{}, Managed: true},
			after: "none+ask",
		},
		{
			name:  "a pre-approval is not shown",
			setup: func(t *testing.T, h *sdktest.Harness) { send(t, h, alice, bob, "subscribed") },
			item:  mi(bob, "Staff"),
			want:  roster.Item{JID: bob, Subscription: "both", Groups: []string{"Staff"}, Managed: true},
			after: "none",
		},
		{
			name: "a one-way subscription is both",
			setup: func(t *testing.T, h *sdktest.Harness) {
				send(t, h, alice, bob, "subscribe")
				send(t, h, bob, alice, "subscribed")
			},
			item:  mi(bob, "Staff"),
			want:  roster.Item{JID: bob, Subscription: "both", Groups: []string{"Staff"}, Managed: true},
			after: "to",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, "alice", "bob")
			if tt.setup != nil {
				tt.setup(t, h)
			}
			manage(t, h, shared, alice, tt.item)
			got, ok := item(t, h, alice, bob)
			if !ok || !itemEqual(got, tt.want) {
				t.Errorf("items shows %+v, %v; want %+v", got, ok, tt.want)
			}
			manage(t, h, shared, alice)
			if s := state(t, h, alice, bob); s != tt.after {
				t.Errorf("once the managed part went, alice has bob %s, want %s", s, tt.after)
			}
		})
	}
}

func itemEqual(a, b roster.Item) bool {
	return a.JID == b.JID && a.Name == b.Name && a.Subscription == b.Subscription && a.Ask == b.Ask &&
		a.Approved == b.Approved && slices.Equal(a.Groups, b.Groups) && a.Managed == b.Managed
}

// TestManagedItemsJSON pins what presence and disco read: the items answer
// and the changed topic carry a managed item with subscription both (and
// managed: true), and its going as a removal. presence reads only jid,
// subscription and removed.
func TestManagedItemsJSON(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	h.Published()
	manage(t, h, shared, alice, mi(bob, "Staff"))
	out, err := h.Invoke("items", "presence", []byte(alice))
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Ver string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"ver":"` + got.Ver + `","items":[{"jid":"bob@localhost","name":"","subscription":"both","ask":"","approved":false,"groups":["Staff"],"managed":true}],"requests":[]}`
	if mustCompact(t, string(out)) != mustCompact(t, want) {
		t.Errorf("items = %s\nwant    %s", out, want)
	}
	manage(t, h, shared, alice)
	var published []string
	for _, p := range h.Published() {
		published = append(published, p.Topic+" "+p.JID+" "+withoutVer(t, p.Payload))
	}
	wantPublished := []string{
		`changed alice@localhost {"jid":"bob@localhost","name":"","subscription":"both","ask":"","approved":false,"groups":["Staff"],"managed":true}`,
		`changed alice@localhost {"jid":"bob@localhost","removed":true}`,
	}
	if !slices.Equal(published, wantPublished) {
		t.Errorf("published\n%s\nwant\n%s", strings.Join(published, "\n"), strings.Join(wantPublished, "\n"))
	}
}

// TestManagedReplacesTheCallersItems: each call replaces all the caller's
// items in one roster, and no other caller's; every change is pushed with
// a new version, and a call that changes nothing pushes nothing.
func TestManagedReplacesTheCallersItems(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob", "carol")
	interested(t, h, alice+"/a")
	steps := []struct {
		caller string
		items  []roster.ManagedItem
		pushes []string
		roster []string // alice's items, "jid subscription [groups]"
	}{
		{shared, []roster.ManagedItem{mi(bob, "Staff"), mi(carol, "Staff")},
			[]string{"<item jid='bob@localhost' subscription='both'><group>Staff</group></item>", "<item jid='carol@localhost' subscription='both'><group>Staff</group></item>"},
			[]string{"bob@localhost both [Staff]", "carol@localhost both [Staff]"}},
		{shared, []roster.ManagedItem{mi(bob, "Staff"), mi(carol, "Staff")}, nil,
			[]string{"bob@localhost both [Staff]", "carol@localhost both [Staff]"}},
		{"classes", []roster.ManagedItem{{JID: carol, Name: "Carol", Groups: []string{"Maths"}}},
			// Managed groups come in the order of the callers' names.
			[]string{"<item jid='carol@localhost' name='Carol' subscription='both'><group>Maths</group><group>Staff</group></item>"},
			[]string{"bob@localhost both [Staff]", "carol@localhost both [Maths Staff]"}},
		{shared, []roster.ManagedItem{mi(bob, "Staff", "Ops")},
			[]string{"<item jid='bob@localhost' subscription='both'><group>Staff</group><group>Ops</group></item>", "<item jid='carol@localhost' name='Carol' subscription='both'><group>Maths</group></item>"},
			[]string{"bob@localhost both [Staff Ops]", "carol@localhost both [Maths]"}},
		{"classes", nil,
			[]string{"<item jid='carol@localhost' subscription='remove'/>"},
			[]string{"bob@localhost both [Staff Ops]"}},
		{shared, nil,
			[]string{"<item jid='bob@localhost' subscription='remove'/>"},
			nil},
	}
	for i, s := range steps {
		ver := items(t, h, alice).Ver
		n := len(h.Sent())
		manage(t, h, s.caller, alice, s.items...)
		if got := pushesTo(h, n, alice+"/a"); !slices.Equal(got, s.pushes) {
			t.Errorf("step %d: pushes\n%q\nwant\n%q", i+1, got, s.pushes)
		}
		its := items(t, h, alice)
		if changed := its.Ver != ver; changed != (len(s.pushes) > 0) {
			t.Errorf("step %d: version %s → %s", i+1, ver, its.Ver)
		}
		var got []string
		for _, it := range its.Items {
			got = append(got, it.JID+" "+it.Subscription+" ["+strings.Join(it.Groups, " ")+"]")
		}
		if !slices.Equal(got, s.roster) {
			t.Errorf("step %d: roster %q, want %q", i+1, got, s.roster)
		}
	}
	if kvs, err := h.Store(alice).Scan(ctx, "item/", "", 0, false); err != nil || len(kvs) != 0 {
		t.Errorf("records left once every managed item went: %v (%v)", kvs, err)
	}
}
