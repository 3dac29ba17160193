package presence_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/presence"
	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// world is presence running beside the real roster plugin, each in its
// own harness, wired as the core wires them: presence's calls to roster
// go to roster's methods, and what roster publishes reaches presence as
// events, in order, when the test calls flush (the core's event queue).
type world struct {
	t      testing.TB
	p, r   *sdktest.Harness
	seen   int          // presence's sent stanzas already looked at
	itemsN atomic.Int64 // calls of roster.items
	pendN  atomic.Int64 // calls of roster.pending
}

func newWorld(t testing.TB, config map[string]any, users ...string) *world {
	t.Helper()
	quiet := sdktest.Options{Logger: hclog.NewNullLogger()}
	w := &world{t: t, r: sdktest.New(t, roster.New(), quiet)}
	w.startPresence(config)
	for _, u := range users {
		if err := w.r.Accounts().Create(context.Background(), u, "secret"); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// startPresence runs a presence plugin, wired to the world's roster.
func (w *world) startPresence(config map[string]any) {
	w.p = sdktest.New(w.t, presence.New(), sdktest.Options{Logger: hclog.NewNullLogger(), Config: config})
	w.seen = 0
	for _, m := range []string{"items", "pending", "subscription"} {
		w.p.Provide("roster", m, func(_ context.Context, caller string, payload []byte) ([]byte, error) {
			switch m {
			case "items":
				w.itemsN.Add(1)
			case "pending":
				w.pendN.Add(1)
			}
			return w.r.Invoke(m, caller, payload)
		})
	}
}

// restart replaces presence with a new process that knows nothing, while
// the core reports the sessions given as online.
func (w *world) restart(sessions ...sdk.Session) {
	w.t.Helper()
	w.startPresence(nil)
	byBare := map[string][]sdk.Session{}
	for _, s := range sessions {
		bare, _, _ := strings.Cut(s.JID, "/")
		byBare[bare] = append(byBare[bare], s)
	}
	for bare, ss := range byBare {
		w.p.SetSessions(bare, ss...)
	}
	if err := w.p.Configure(nil); err != nil {
		w.t.Fatal(err)
	}
}

// send hands presence a stanza from a client, then delivers what roster
// published meanwhile.
func (w *world) send(from, xml string) {
	w.t.Helper()
	r := w.p.Handle(xml, from)
	if r.Err != nil || r.NoRoute {
		w.t.Fatalf("%s from %s: no route %v, error %v", xml, from, r.NoRoute, r.Err)
	}
	w.flush()
}

// flush delivers roster's publications to presence, in order.
func (w *world) flush() {
	w.t.Helper()
	for _, pub := range w.r.Published() {
		w.event(sdktest.Event{Kind: sdk.Published, Topic: "roster." + pub.Topic, JID: pub.JID, Payload: pub.Payload})
	}
}

func (w *world) event(ev sdktest.Event) {
	w.t.Helper()
	if err := w.p.Event(ev); err != nil {
		w.t.Fatal(err)
	}
}

// close ends a session (its id is its full JID, as sdktest gives it).
func (w *world) close(full string) {
	w.t.Helper()
	w.event(sdktest.Event{Kind: sdk.SessionClosed, JID: full, SessionID: full})
}

// take returns what presence sent since the last take, canonicalised
// and sorted: a broadcast's order among recipients is not specified.
func (w *world) take() []string {
	sent := w.p.Sent()
	var out []string
	for _, el := range sent[w.seen:] {
		out = append(out, canonical(el))
	}
	w.seen = len(sent)
	slices.Sort(out)
	return out
}

// expect checks what presence sent since the last take.
func (w *world) expect(what string, want ...string) {
	w.t.Helper()
	slices.Sort(want)
	if got := w.take(); !slices.Equal(got, want) {
		w.t.Errorf("%s: sent\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// befriend makes two accounts subscribed to each other, as clients do.
func (w *world) befriend(a, b string) {
	w.t.Helper()
	w.send(a+"/x", "<presence to='"+b+"' type='subscribe'/>")
	w.send(b+"/x", "<presence to='"+a+"' type='subscribed'/>")
	w.send(b+"/x", "<presence to='"+a+"' type='subscribe'/>")
	w.send(a+"/x", "<presence to='"+b+"' type='subscribed'/>")
	w.take()
}

// canonical writes el on one line, attributes sorted, single quotes.
func canonical(el *etree.Element) string {
	c := el.Copy()
	sortAttrs(c)
	var b strings.Builder
	c.WriteTo(&b, &etree.WriteSettings{AttrSingleQuote: true})
	return b.String()
}

func sortAttrs(el *etree.Element) {
	el.SortAttrs()
	for _, c := range el.ChildElements() {
		sortAttrs(c)
	}
}

func parse(t testing.TB, s string) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(s); err != nil || doc.Root() == nil {
		t.Fatalf("parsing %s: %v", s, err)
	}
	return doc.Root()
}
