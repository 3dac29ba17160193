package privacy

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

const (
	setPublic     = `<iq type='set' id='e1'><query xmlns='jabber:iq:privacy'><list name='public'><item type='jid' value='tybalt@localhost' action='deny' order='1'/></list></query></iq>`
	setFriends    = `<iq type='set' id='e2'><query xmlns='jabber:iq:privacy'><list name='friends'><item type='group' value='Friends' action='allow' order='1'/><item action='deny' order='2'><message/></item></list></query></iq>`
	defaultPublic = `<iq type='set' id='d1'><query xmlns='jabber:iq:privacy'><default name='public'/></query></iq>`
	activeFriends = `<iq type='set' id='a1'><query xmlns='jabber:iq:privacy'><active name='friends'/></query></iq>`
)

// The default list is enforced; a session's active list only once every
// bound session has it, and no longer once a session without it binds.
func TestEnforcedList(t *testing.T) {
	h, _ := newHarness(t, nil)
	do(t, h, juliet+"/balcony", setPublic)
	do(t, h, juliet+"/balcony", setFriends)
	if rules := h.Filters(juliet); len(rules) != 0 {
		t.Fatalf("rules before any list applies: %+v", rules)
	}
	do(t, h, juliet+"/balcony", defaultPublic)
	want := []sdk.FilterRule{{Action: sdk.Allow, JID: juliet}, {Action: sdk.Deny, JID: "tybalt@localhost", ReportBlocked: true}}
	if got := h.Filters(juliet); !slices.Equal(got, want) {
		t.Fatalf("default list rules = %+v, want %+v", got, want)
	}

	do(t, h, juliet+"/balcony", activeFriends)
	if got := h.Filters(juliet); !slices.Equal(got, want) {
		t.Errorf("one session's active list replaced the default for both: %+v", got)
	}
	do(t, h, juliet+"/chamber", activeFriends)
	friends := []sdk.FilterRule{
		{Action: sdk.Allow, JID: juliet},
		{Action: sdk.Allow, JID: "romeo@localhost"},
		{Action: sdk.Allow, JID: "benvolio@localhost"},
		{Action: sdk.Deny, Stanzas: sdk.MessageIn},
	}
	if got := h.Filters(juliet); !slices.Equal(got, friends) {
		t.Fatalf("rules with the same active list everywhere = %+v, want %+v", got, friends)
	}

	// A third session binds: it has no active list, the default returns.
	h.SetSessions(juliet,
		sdk.Session{JID: juliet + "/balcony", SessionID: "s1", Available: true},
		sdk.Session{JID: juliet + "/chamber", SessionID: "s2", Available: true},
		sdk.Session{JID: juliet + "/garden", SessionID: "s5"},
	)
	event(t, h, sdktest.Event{Kind: sdk.SessionBound, JID: juliet + "/garden", SessionID: "s5"})
	if got := h.Filters(juliet); !slices.Equal(got, want) {
		t.Errorf("after a new session bound, rules = %+v, want the default's", got)
	}
	// It leaves again: the active list is everyone's once more.
	event(t, h, sdktest.Event{Kind: sdk.SessionClosed, JID: juliet + "/garden", SessionID: "s5"})
	if got := h.Filters(juliet); !slices.Equal(got, friends) {
		t.Errorf("after the session closed, rules = %+v, want the active list's", got)
	}
}

// Group and subscription items follow the roster (XEP-0016 §2.2 rule 9).
func TestRosterChangeReResolves(t *testing.T) {
	h, r := newHarness(t, nil)
	do(t, h, juliet+"/balcony", setFriends)
	do(t, h, juliet+"/balcony", `<iq type='set' id='d'><query xmlns='jabber:iq:privacy'><default name='friends'/></query></iq>`)
	if rules := h.Filters(juliet); !slices.ContainsFunc(rules, func(r sdk.FilterRule) bool { return r.JID == "romeo@localhost" }) {
		t.Fatalf("romeo, in Friends, is not allowed: %+v", rules)
	}
	r.set(juliet, contact{JID: "paris@localhost", Subscription: "both", Groups: []string{"Friends"}})
	event(t, h, sdktest.Event{Kind: sdk.Published, Topic: "roster.changed", JID: juliet, Payload: []byte(`{"jid":"romeo@localhost","removed":true}`)})
	rules := h.Filters(juliet)
	if slices.ContainsFunc(rules, func(r sdk.FilterRule) bool { return r.JID == "romeo@localhost" }) ||
		!slices.ContainsFunc(rules, func(r sdk.FilterRule) bool { return r.JID == "paris@localhost" }) {
		t.Errorf("after the roster changed, rules = %+v", rules)
	}
}

// Blocking hides presence both ways; unblocking everyone shows it again,
// each way only where a subscription calls for it: the nurse sends juliet
// her presence (to) but does not receive juliet's.
func TestBlockWithdrawsAndUnblockRestores(t *testing.T) {
	h, _ := newHarness(t, nil)
	do(t, h, juliet+"/balcony", `<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='nurse@localhost'/></block></iq>`)
	want := []string{
		`<presence type="unavailable" from="nurse@localhost/kitchen" to="juliet@localhost/balcony"/>`,
		`<presence type="unavailable" from="nurse@localhost/kitchen" to="juliet@localhost/chamber"/>`,
	}
	if got := sentPresence(h, 0); !slices.Equal(got, want) {
		t.Errorf("presence sent on blocking = %v, want %v", got, want)
	}
	if !denies(h.Filters(juliet), "nurse@localhost") {
		t.Errorf("the nurse is not blocked: %+v", h.Filters(juliet))
	}

	n := len(h.Sent())
	do(t, h, juliet+"/balcony", `<iq type='set' id='b2'><unblock xmlns='urn:xmpp:blocking'/></iq>`)
	want = []string{
		`<presence from="nurse@localhost/kitchen" to="juliet@localhost/balcony"><show>away</show><status>busy</status></presence>`,
		`<presence from="nurse@localhost/kitchen" to="juliet@localhost/chamber"><show>away</show><status>busy</status></presence>`,
	}
	if got := sentPresence(h, n); !slices.Equal(got, want) {
		t.Errorf("presence sent on unblocking = %v, want %v", got, want)
	}
	if rules := h.Filters(juliet); len(rules) != 0 {
		t.Errorf("rules after unblocking everyone: %+v", rules)
	}
}

// Unblocking, one JID at a time or everyone at once (XEP-0191 §3.4–3.5),
// sends the current presence of each of juliet's available sessions to
// the contacts subscribed to it (from, both), and that of the available
// sessions of the contacts she is subscribed to (to, both) to her
// available sessions — nothing to or from anyone else.
func TestUnblockSendsCurrentPresence(t *testing.T) {
	for _, tt := range []struct{ name, unblock string }{
		{"each", `<unblock xmlns='urn:xmpp:blocking'><item jid='romeo@localhost'/><item jid='nurse@localhost'/><item jid='benvolio@localhost'/><item jid='paris@localhost'/></unblock>`},
		{"all", `<unblock xmlns='urn:xmpp:blocking'/>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHarness(t, nil)
			h.SetSessions(juliet,
				online(juliet+"/balcony", "s1", "at the window"),
				online(juliet+"/chamber", "s2", "asleep"),
				sdk.Session{JID: juliet + "/attic", SessionID: "s6"}, // bound, never available
			)
			h.SetSessions("benvolio@localhost", online("benvolio@localhost/square", "s7", "brawling"))
			h.SetSessions("paris@localhost", online("paris@localhost/church", "s8", "waiting"))
			do(t, h, juliet+"/balcony", `<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'>
				<item jid='romeo@localhost'/><item jid='nurse@localhost'/><item jid='benvolio@localhost'/><item jid='paris@localhost'/></block></iq>`)
			n := len(h.Sent())
			do(t, h, juliet+"/balcony", `<iq type='set' id='u1'>`+tt.unblock+`</iq>`)
			got := sentPresence(h, n)
			slices.Sort(got)
			want := []string{
				`<presence from="juliet@localhost/balcony" to="benvolio@localhost"><show>away</show><status>at the window</status></presence>`,
				`<presence from="juliet@localhost/balcony" to="romeo@localhost"><show>away</show><status>at the window</status></presence>`,
				`<presence from="juliet@localhost/chamber" to="benvolio@localhost"><show>away</show><status>asleep</status></presence>`,
				`<presence from="juliet@localhost/chamber" to="romeo@localhost"><show>away</show><status>asleep</status></presence>`,
				`<presence from="nurse@localhost/kitchen" to="juliet@localhost/balcony"><show>away</show><status>busy</status></presence>`,
				`<presence from="nurse@localhost/kitchen" to="juliet@localhost/chamber"><show>away</show><status>busy</status></presence>`,
				`<presence from="romeo@localhost/orchard" to="juliet@localhost/balcony"><show>away</show><status>climbing</status></presence>`,
				`<presence from="romeo@localhost/orchard" to="juliet@localhost/chamber"><show>away</show><status>climbing</status></presence>`,
			}
			if !slices.Equal(got, want) {
				t.Errorf("presence sent on unblocking:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// A privacy list that stops juliet's presence reaching romeo (XEP-0016
// presence-out) withdraws it once both her sessions make it active;
// declining it on one sends her presence again. Romeo's presence was never
// stopped, so juliet is not sent it.
func TestPresenceOutListRestoresPresence(t *testing.T) {
	h, _ := newHarness(t, nil)
	do(t, h, juliet+"/chamber", `<iq type='set' id='e1'><query xmlns='jabber:iq:privacy'><list name='hidden'><item type='jid' value='romeo@localhost' action='deny' order='1'><presence-out/></item></list></query></iq>`)
	do(t, h, juliet+"/chamber", `<iq type='set' id='a1'><query xmlns='jabber:iq:privacy'><active name='hidden'/></query></iq>`)
	do(t, h, juliet+"/balcony", `<iq type='set' id='a2'><query xmlns='jabber:iq:privacy'><active name='hidden'/></query></iq>`)
	want := []string{
		`<presence type="unavailable" from="juliet@localhost/balcony" to="romeo@localhost"/>`,
		`<presence type="unavailable" from="juliet@localhost/chamber" to="romeo@localhost"/>`,
	}
	if got := sentPresence(h, 0); !slices.Equal(got, want) {
		t.Errorf("presence sent when the list took effect = %v, want %v", got, want)
	}
	n := len(h.Sent())
	do(t, h, juliet+"/balcony", `<iq type='set' id='a3'><query xmlns='jabber:iq:privacy'><active/></query></iq>`)
	want = []string{
		`<presence from="juliet@localhost/balcony" to="romeo@localhost"><show>away</show><status>at the window</status></presence>`,
		`<presence from="juliet@localhost/chamber" to="romeo@localhost"><show>away</show><status>asleep</status></presence>`,
	}
	if got := sentPresence(h, n); !slices.Equal(got, want) {
		t.Errorf("presence sent when the list was declined = %v, want %v", got, want)
	}
}

// sentPresence renders the presence stanzas sent since the n-th stanza.
func sentPresence(h *sdktest.Harness, n int) []string {
	var out []string
	for _, el := range h.Sent()[n:] {
		if el.Tag == "presence" {
			out = append(out, xmlString(el))
		}
	}
	return out
}

// A privacy client that edits the default list changes the block list;
// the sessions that asked for the block list hear of it (XEP-0191 §5).
func TestPrivacyEditPushesBlocklistChange(t *testing.T) {
	h, _ := newHarness(t, nil)
	do(t, h, juliet+"/balcony", `<iq type='get' id='g'><blocklist xmlns='urn:xmpp:blocking'/></iq>`)
	do(t, h, juliet+"/chamber", setPublic)
	do(t, h, juliet+"/chamber", defaultPublic)
	last := h.Sent()[len(h.Sent())-1]
	if last.SelectAttrValue("to", "") != juliet+"/balcony" || last.FindElement("block/item[@jid='tybalt@localhost']") == nil {
		t.Errorf("last stanza sent = %s, want a block push of tybalt to balcony", xmlString(last))
	}
}

// After a restart the core enforces nothing: the stored default lists are
// installed when the plugin is configured, and at the latest when the
// owner's session binds.
func TestStoredRulesInstalled(t *testing.T) {
	h, _ := newHarness(t, nil)
	ctx := t.Context()
	seed := func(owner string) {
		l, _ := json.Marshal(List{Items: []Item{{Type: "jid", Value: "tybalt@localhost", Deny: true, Order: 1}}})
		st := h.Store(owner)
		if err := st.Put(ctx, prefixList+"public", l); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, keyDefault, []byte("public")); err != nil {
			t.Fatal(err)
		}
	}
	seed(juliet)
	if err := h.Store("").Put(ctx, prefixOwner+juliet, nil); err != nil {
		t.Fatal(err)
	}
	if err := h.Configure(nil); err != nil {
		t.Fatal(err)
	}
	waitFilters(t, h, juliet, func(r []sdk.FilterRule) bool { return denies(r, "tybalt@localhost") })

	seed("romeo@localhost") // not in the index
	event(t, h, sdktest.Event{Kind: sdk.SessionBound, JID: "romeo@localhost/orchard", SessionID: "s3"})
	if !denies(h.Filters("romeo@localhost"), "tybalt@localhost") {
		t.Errorf("romeo's rules after his session bound: %+v", h.Filters("romeo@localhost"))
	}
}

// Choices of a session the core no longer knows (the server restarted)
// are dropped, not enforced.
func TestStaleSessionChoicesIgnored(t *testing.T) {
	h, _ := newHarness(t, nil)
	do(t, h, juliet+"/balcony", setFriends)
	if err := h.Store(juliet).Put(t.Context(), prefixSession+"gone", []byte(`{"active":"friends"}`)); err != nil {
		t.Fatal(err)
	}
	r := do(t, h, juliet+"/balcony", `<iq type='get' id='g'><query xmlns='jabber:iq:privacy'/></iq>`)
	if r.Replies[0].FindElement("query/active") != nil {
		t.Errorf("an active list from a closed session: %s", xmlString(r.Replies[0]))
	}
	if _, err := h.Store(juliet).Get(t.Context(), prefixSession+"gone"); err == nil {
		t.Error("the stale session's choices were kept")
	}
}

func TestAccountDeletedForgetsEverything(t *testing.T) {
	h, _ := newHarness(t, nil)
	do(t, h, juliet+"/balcony", `<iq type='get' id='g'><blocklist xmlns='urn:xmpp:blocking'/></iq>`)
	do(t, h, juliet+"/balcony", `<iq type='set' id='b'><block xmlns='urn:xmpp:blocking'><item jid='tybalt@localhost'/></block></iq>`)
	event(t, h, sdktest.Event{Kind: sdk.AccountDeleted, JID: juliet})
	for _, owner := range []string{juliet, ""} {
		if kvs, err := h.Store(owner).Scan(t.Context(), "", "", 0, false); err != nil || len(kvs) != 0 {
			t.Errorf("store %q after deletion: %v (%v)", owner, kvs, err)
		}
	}
	if rules := h.Filters(juliet); len(rules) != 0 {
		t.Errorf("rules after deletion: %+v", rules)
	}
}

func TestLimits(t *testing.T) {
	h, _ := newHarness(t, map[string]any{"max_lists": 1, "max_items": 2})
	do(t, h, juliet+"/balcony", setPublic)
	tests := []struct{ name, xml string }{
		{"a second list", setFriends},
		{"too many items", `<iq type='set' id='x'><query xmlns='jabber:iq:privacy'><list name='public'><item action='deny' order='1'/><item action='deny' order='2'/><item action='deny' order='3'/></list></query></iq>`},
	}
	for _, tt := range tests {
		if r := h.Handle(tt.xml, juliet+"/balcony"); r.Err == nil || r.Err.Condition != "not-acceptable" {
			t.Errorf("%s: %+v", tt.name, r)
		}
	}
	do(t, h, juliet+"/balcony", defaultPublic)
	r := h.Handle(`<iq type='set' id='b'><block xmlns='urn:xmpp:blocking'><item jid='a@localhost'/><item jid='b@localhost'/></block></iq>`, juliet+"/balcony")
	if r.Err == nil || r.Err.Condition != "not-acceptable" {
		t.Errorf("blocking past max_items: %+v", r)
	}
}

func TestConfigErrors(t *testing.T) {
	h, _ := newHarness(t, nil)
	for _, tt := range []struct {
		config map[string]any
		want   string
	}{
		{map[string]any{"max_lists": 0}, "max_lists"},
		{map[string]any{"max_items": -1}, "max_items"},
		{map[string]any{"blocklist_name": ""}, "blocklist_name"},
		{map[string]any{"blocklist": "x"}, `"blocklist"`},
	} {
		if err := h.Configure(tt.config); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Configure(%v) = %v, want an error mentioning %s", tt.config, err, tt.want)
		}
	}
}

func TestDescription(t *testing.T) {
	d := New().Describe()
	if !slices.Equal(d.Features, []string{NS, NSBlocking}) || !slices.Contains(d.Requires, "roster.items") {
		t.Errorf("description: features %v, requires %v", d.Features, d.Requires)
	}
}

func event(t *testing.T, h *sdktest.Harness, ev sdktest.Event) {
	t.Helper()
	if err := h.Event(ev); err != nil {
		t.Fatalf("event %+v: %v", ev, err)
	}
}

// TestChangesReachOtherNodes: a change of the rules is published for the
// privacy plugins of a cluster's other nodes, and one of them, told of it,
// installs the owner's rules from the shared store (its core enforces them
// on what its own sessions send); its own publications it ignores.
func TestChangesReachOtherNodes(t *testing.T) {
	p := New()
	h := sdktest.New(t, p, sdktest.Options{Logger: hclog.NewNullLogger()})
	populate(h)
	h.Published()
	do(t, h, juliet+"/balcony", `<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='nurse@localhost'/></block></iq>`)
	if pub := h.Published(); len(pub) != 1 || pub[0].Topic != TopicChanged || pub[0].JID != juliet {
		t.Fatalf("published %+v, want one change of juliet's rules", pub)
	}

	// As on a node that has not seen the change: nothing installed.
	host, _ := p.state()
	if err := host.SetFilters(context.Background(), juliet, nil); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	delete(p.installed, juliet)
	p.mu.Unlock()
	ev := sdktest.Event{Kind: sdk.Published, Topic: "privacy." + TopicChanged, JID: juliet}
	if err := h.Event(ev); err != nil {
		t.Fatal(err)
	}
	if len(h.Filters(juliet)) != 0 {
		t.Fatalf("this node's own change installed again: %+v", h.Filters(juliet))
	}
	ev.Elsewhere = true
	if err := h.Event(ev); err != nil {
		t.Fatal(err)
	}
	if !denies(h.Filters(juliet), "nurse@localhost") {
		t.Errorf("after the change elsewhere, the nurse is not blocked: %+v", h.Filters(juliet))
	}
	if pub := h.Published(); len(pub) != 0 {
		t.Errorf("a change made elsewhere published again: %+v", pub)
	}
}

// Most accounts keep no privacy state: their first login installs nothing,
// and what they block afterwards is enforced at once.
func TestFirstLoginWithoutStateThenBlock(t *testing.T) {
	h, _ := newHarness(t, nil)
	event(t, h, sdktest.Event{Kind: sdk.SessionBound, JID: "romeo@localhost/orchard", SessionID: "s3"})
	if got := h.Filters("romeo@localhost"); len(got) != 0 {
		t.Fatalf("an account with no lists has rules after its login: %+v", got)
	}
	do(t, h, "romeo@localhost/orchard", `<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='paris@localhost'/></block></iq>`)
	if got := h.Filters("romeo@localhost"); !slices.ContainsFunc(got, func(r sdk.FilterRule) bool { return r.JID == "paris@localhost" && r.Action == sdk.Deny }) {
		t.Fatalf("the block made after a login without state is not enforced: %+v", got)
	}
	event(t, h, sdktest.Event{Kind: sdk.SessionClosed, JID: "romeo@localhost/orchard", SessionID: "s3"})
	if got := h.Filters("romeo@localhost"); !slices.ContainsFunc(got, func(r sdk.FilterRule) bool { return r.JID == "paris@localhost" }) {
		t.Fatalf("the block went with the session: %+v", got)
	}
}

// Choices a session stored in an earlier run of the server make the next
// login read the whole state, which drops them.
func TestStaleSessionChoicesClearedAtLogin(t *testing.T) {
	h, _ := newHarness(t, nil)
	st := h.Store("romeo@localhost")
	if err := st.Put(context.Background(), prefixSession+"gone", []byte(`{"active":"x"}`)); err != nil {
		t.Fatal(err)
	}
	event(t, h, sdktest.Event{Kind: sdk.SessionBound, JID: "romeo@localhost/orchard", SessionID: "s3"})
	if kvs, err := st.Scan(context.Background(), prefixSession, "", 0, false); err != nil || len(kvs) != 0 {
		t.Fatalf("choices of a session no longer bound are kept: %v %v", kvs, err)
	}
}
