package roster_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// mutual makes alice and bob subscribed to each other.
func mutual(t *testing.T, h *sdktest.Harness) {
	t.Helper()
	send(t, h, alice, bob, "subscribe")
	send(t, h, bob, alice, "subscribed")
	send(t, h, bob, alice, "subscribe")
	send(t, h, alice, bob, "subscribed")
}

func TestRemoveCancelsSubscriptionsBothWays(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	mutual(t, h)
	interested(t, h, alice+"/a")
	interested(t, h, bob+"/b")
	n := len(h.Sent())
	r := h.Handle(`<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>`, alice+"/a")
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	sent := sentSince(h, n)
	for _, want := range []string{
		"<presence from='alice@localhost' to='bob@localhost' type='unsubscribe'/>",
		"<presence from='alice@localhost' to='bob@localhost' type='unsubscribed'/>",
	} {
		if !slices.Contains(sent, want) {
			t.Errorf("bob was not sent %s; sent %q", want, sent)
		}
	}
	if got := pushesTo(h, n, alice+"/a"); !slices.Equal(got, []string{"<item jid='bob@localhost' subscription='remove'/>"}) {
		t.Errorf("alice's pushes %q", got)
	}
	if got := pushesTo(h, n, bob+"/b"); !slices.Equal(got, []string{"<item jid='alice@localhost' subscription='none'/>"}) {
		t.Errorf("bob's pushes %q", got)
	}
	if s := state(t, h, bob, alice); s != "none" {
		t.Errorf("bob's item for alice is %s, want none", s)
	}
}

func TestRemoveDeniesAPendingRequest(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	send(t, h, alice, bob, "subscribe")
	// bob puts alice in his roster without answering, then removes her.
	if r := h.Handle(`<iq type='set' id='s'><query xmlns='jabber:iq:roster'><item jid='alice@localhost'/></query></iq>`, bob+"/b"); r.Err != nil {
		t.Fatal(r.Err)
	}
	n := len(h.Sent())
	if r := h.Handle(`<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='alice@localhost' subscription='remove'/></query></iq>`, bob+"/b"); r.Err != nil {
		t.Fatal(r.Err)
	}
	want := []string{"<presence from='bob@localhost' to='alice@localhost' type='unsubscribed'/>"}
	if got := sentSince(h, n); !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
	if s := state(t, h, alice, bob); s != "none" {
		t.Errorf("alice's item for bob is %s, want none", s)
	}
	if got := pending(t, h, bob); len(got) != 0 {
		t.Errorf("still pending: %q", got)
	}
}

func TestAccountDeletedCancelsContactsSubscriptions(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob", "carol")
	mutual(t, h)
	send(t, h, alice, carol, "subscribe") // carol keeps a request from alice
	interested(t, h, bob+"/b")
	n := len(h.Sent())
	event(t, h, sdktest.Event{Kind: sdk.AccountDeleted, JID: alice})
	sent := sentSince(h, n)
	for _, want := range []string{
		"<presence from='alice@localhost' to='bob@localhost' type='unsubscribe'/>",
		"<presence from='alice@localhost' to='bob@localhost' type='unsubscribed'/>",
		"<presence from='alice@localhost' to='carol@localhost' type='unsubscribe'/>",
	} {
		if !slices.Contains(sent, want) {
			t.Errorf("not sent: %s; sent %q", want, sent)
		}
	}
	if s := state(t, h, bob, alice); s != "none" {
		t.Errorf("bob's item for alice is %s, want none", s)
	}
	if got := pending(t, h, carol); len(got) != 0 {
		t.Errorf("carol still has alice's request: %q", got)
	}
	kvs, err := h.Store(alice).Scan(ctx, "", "", 0, false)
	if err != nil || len(kvs) != 0 {
		t.Errorf("alice's store still holds %v (%v)", kvs, err)
	}
}

func TestPushesGoToInterestedResourcesOnly(t *testing.T) {
	h := newHarness(t, nil, "alice")
	interested(t, h, alice+"/a")
	set := `<iq type='set' id='s'><query xmlns='jabber:iq:roster'><item jid='x@localhost'/></query></iq>`
	n := len(h.Sent())
	h.Handle(set, alice+"/b") // b never asked for the roster
	if got := sentSince(h, n); len(got) != 1 || !strings.Contains(got[0], "to='alice@localhost/a'") {
		t.Errorf("pushes %q, want one to alice@localhost/a", got)
	}
	event(t, h, sdktest.Event{Kind: sdk.SessionClosed, JID: alice + "/a", SessionID: alice + "/a"})
	n = len(h.Sent())
	h.Handle(set, alice+"/b")
	if got := sentSince(h, n); len(got) != 0 {
		t.Errorf("pushed after the session closed: %q", got)
	}
}

// TestChangesMadeElsewhere: in a cluster, a change the roster plugin of
// another node made reaches the interested resources this one knows, with
// its version, and the same plugin's own changes are not pushed twice.
func TestChangesMadeElsewhere(t *testing.T) {
	h := newHarness(t, nil, "alice")
	interested(t, h, alice+"/a")
	topic := roster.TopicChange
	n := len(h.Sent())
	elsewhere := sdktest.Event{Kind: sdk.Published, Topic: "roster." + topic, JID: alice, Elsewhere: true,
		Payload: []byte(`{"jid":"bob@localhost","name":"Bob","subscription":"to","ask":"","approved":false,"groups":["Friends"],"ver":"v7"}`)}
	event(t, h, elsewhere)
	got := sentSince(h, n)
	if len(got) != 1 || !strings.Contains(got[0], "to='alice@localhost/a'") || !strings.Contains(got[0], "ver='v7'") ||
		!strings.Contains(got[0], "jid='bob@localhost'") || !strings.Contains(got[0], "subscription='to'") || !strings.Contains(got[0], "<group>Friends</group>") {
		t.Errorf("pushes %q, want bob's item at v7 to alice@localhost/a", got)
	}
	elsewhere.Payload = []byte(`{"jid":"bob@localhost","removed":true,"ver":"v8"}`)
	n = len(h.Sent())
	event(t, h, elsewhere)
	if got := sentSince(h, n); len(got) != 1 || !strings.Contains(got[0], "subscription='remove'") || !strings.Contains(got[0], "ver='v8'") {
		t.Errorf("pushes %q, want bob's removal at v8", got)
	}
	here := elsewhere
	here.Elsewhere = false
	n = len(h.Sent())
	event(t, h, here)
	if got := sentSince(h, n); len(got) != 0 {
		t.Errorf("a change made on this node pushed again: %q", got)
	}
}

func TestLimits(t *testing.T) {
	h := newHarness(t, map[string]any{"max_items": 2, "max_name_bytes": 5, "max_groups": 1}, "alice")
	set := func(item string) *stanza.Error {
		return h.Handle(`<iq type='set' id='s'><query xmlns='jabber:iq:roster'>`+item+`</query></iq>`, alice+"/a").Err
	}
	tests := []struct {
		item string
		want stanza.Condition // "" for success
	}{
		{`<item jid='a@localhost' name='Romeo'/>`, ""},
		{`<item jid='b@localhost' name='Romeos'/>`, stanza.NotAcceptable},
		{`<item jid='b@localhost'><group>Enemies</group></item>`, stanza.NotAcceptable},
		{`<item jid='b@localhost'><group>A</group><group>B</group></item>`, stanza.NotAcceptable},
		{`<item jid='b@localhost'><group>A</group></item>`, ""},
		{`<item jid='c@localhost'/>`, stanza.NotAcceptable}, // a third item
		{`<item jid='a@localhost' name='R'/>`, ""},          // updating one is fine
	}
	for _, tt := range tests {
		err := set(tt.item)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.item, err)
		case tt.want != "" && (err == nil || err.Condition != tt.want):
			t.Errorf("%s: error %v, want %s", tt.item, err, tt.want)
		}
	}
}

// TestItemsContract pins the JSON that other plugins read (privacy reads
// groups and subscriptions through it).
func TestItemsContract(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	h.Handle(`<iq type='set' id='s'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob'><group>Friends</group></item></query></iq>`, alice+"/a")
	send(t, h, alice, bob, "subscribe")
	out, err := h.Invoke("items", "privacy", []byte(alice))
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Ver string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"ver":"` + got.Ver + `","items":[{"jid":"bob@localhost","name":"Bob","subscription":"none","ask":"subscribe","approved":false,"groups":["Friends"]}],"requests":[]}`
	if mustCompact(t, string(out)) != mustCompact(t, want) {
		t.Errorf("items = %s\nwant    %s", out, want)
	}
	// Bob's items carry Alice's request, as pending answers it: presence
	// reads both in one call when Bob comes online.
	bobs, err := h.Invoke("items", "presence", []byte(bob))
	if err != nil {
		t.Fatal(err)
	}
	pending, err := h.Invoke("pending", "presence", []byte(bob))
	if err != nil {
		t.Fatal(err)
	}
	var withItems, alone struct{ Requests []string }
	if err := errors.Join(json.Unmarshal(bobs, &withItems), json.Unmarshal(pending, &alone)); err != nil {
		t.Fatal(err)
	}
	if len(withItems.Requests) != 1 || !strings.Contains(withItems.Requests[0], `type="subscribe" from="alice@localhost"`) || !slices.Equal(withItems.Requests, alone.Requests) {
		t.Errorf("requests with Bob's items %q, pending %q; want Alice's subscribe in both", withItems.Requests, alone.Requests)
	}
	empty, err := h.Invoke("items", "privacy", []byte(carol))
	if err != nil || !strings.Contains(string(empty), `"items":[]`) {
		t.Errorf("items of an empty roster = %s, %v", empty, err)
	}
	if _, err := h.Invoke("items", "privacy", []byte("not a jid@")); err == nil {
		t.Error("items accepted a malformed JID")
	}
}

func TestChangedTopic(t *testing.T) {
	h := newHarness(t, nil, "alice", "bob")
	h.Published() // forget what setting up published
	h.Handle(`<iq type='set' id='s'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob'/></query></iq>`, alice+"/a")
	send(t, h, alice, bob, "subscribe")
	send(t, h, bob, alice, "subscribed")
	h.Handle(`<iq type='set' id='r'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>`, alice+"/a")
	var got []string
	for _, p := range h.Published() {
		if p.Topic != roster.TopicChange {
			t.Errorf("published on %q", p.Topic)
		}
		got = append(got, p.JID+" "+withoutVer(t, p.Payload))
	}
	want := []string{
		`alice@localhost {"jid":"bob@localhost","name":"Bob","subscription":"none","ask":"","approved":false,"groups":[]}`,
		`alice@localhost {"jid":"bob@localhost","name":"Bob","subscription":"none","ask":"subscribe","approved":false,"groups":[]}`,
		// The sender's side first, then the recipient's.
		`bob@localhost {"jid":"alice@localhost","name":"","subscription":"from","ask":"","approved":false,"groups":[]}`,
		`alice@localhost {"jid":"bob@localhost","name":"Bob","subscription":"to","ask":"","approved":false,"groups":[]}`,
		`bob@localhost {"jid":"alice@localhost","name":"","subscription":"none","ask":"","approved":false,"groups":[]}`,
		`alice@localhost {"jid":"bob@localhost","removed":true}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("published\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConfig(t *testing.T) {
	h := newHarness(t, nil)
	for _, cfg := range []map[string]any{
		{"max_itemz": 10},
		{"max_items": 0},
		{"max_name_bytes": -1},
	} {
		if err := h.Configure(cfg); err == nil {
			t.Errorf("config %v was accepted", cfg)
		}
	}
	if err := h.Configure(map[string]any{"max_items": "50"}); err != nil {
		t.Errorf("a number given as a string (from the environment): %v", err)
	}
}

func TestDescription(t *testing.T) {
	d := roster.New().Describe()
	if !slices.Contains(d.Features, roster.NS) {
		t.Errorf("disco features %q lack %s", d.Features, roster.NS)
	}
	if len(d.StreamFeatures) != 1 || d.StreamFeatures[0].Stage != sdk.StagePostAuth || !strings.Contains(d.StreamFeatures[0].XML, roster.NSVersion) {
		t.Errorf("stream features %+v, want rosterver after authentication", d.StreamFeatures)
	}
	m := d.Manifest()
	if !slices.Equal(m.Provides, []string{"items", "managed", "pending", "subscription"}) {
		t.Errorf("provides %q", m.Provides)
	}
}

func mustCompact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withoutVer returns a roster.changed payload without its version, which
// it must carry (another node's roster pushes the change with it).
func withoutVer(t *testing.T, payload []byte) string {
	t.Helper()
	ver := regexp.MustCompile(`,"ver":"[^"]+"`)
	if !ver.Match(payload) {
		t.Errorf("published %s without the roster version", payload)
	}
	return ver.ReplaceAllString(string(payload), "")
}
