package pep_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/pep"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/caps"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

const (
	alice    = "alice@localhost"
	bob      = "bob@localhost"
	carol    = "carol@localhost"
	dave     = "dave@localhost"
	capsNode = "https://example.org/client"
)

// world is the plugin with its surroundings faked: rosters (the roster
// plugin's items method) and clients that answer disco#info.
type world struct {
	t *testing.T
	h *sdktest.Harness
	p *pep.PEP

	mu      sync.Mutex
	rosters map[string]map[string]rosterItem // owner → contact → item
	clients map[string][]string              // full JID → features its disco#info lists
	lie     map[string]bool                  // full JIDs whose answer does not match their caps
	queries []string                         // disco#info queries received, "full node"
}

type rosterItem struct {
	JID          string   `json:"jid"`
	Subscription string   `json:"subscription"`
	Groups       []string `json:"groups"`
}

func newWorld(t *testing.T, cfg map[string]any) *world {
	t.Helper()
	w := &world{t: t, p: pep.New(), rosters: map[string]map[string]rosterItem{}, clients: map[string][]string{}, lie: map[string]bool{}}
	w.h = sdktest.New(t, w.p, sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
	w.h.Provide("roster", "items", w.rosterItems)
	w.h.AnswerIQ(w.answer)
	w.waitFor("the plugin to settle after Configure", w.p.Idle)
	return w
}

// befriend subscribes a and b to each other's presence.
func (w *world) befriend(a, b string, groups ...string) {
	w.setItem(a, b, "both", groups)
	w.setItem(b, a, "both", nil)
}

// follow makes viewer receive owner's presence, one way (owner's item
// "from", viewer's "to").
func (w *world) follow(viewer, owner string) {
	w.setItem(owner, viewer, "from", nil)
	w.setItem(viewer, owner, "to", nil)
}

func (w *world) setItem(owner, contact, sub string, groups []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rosters[owner] == nil {
		w.rosters[owner] = map[string]rosterItem{}
	}
	w.rosters[owner][contact] = rosterItem{JID: contact, Subscription: sub, Groups: groups}
}

func (w *world) rosterItems(_ context.Context, _ string, payload []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	items := []rosterItem{}
	for _, it := range w.rosters[string(payload)] {
		items = append(items, it)
	}
	return json.Marshal(map[string]any{"ver": "1", "items": items})
}

// rosterChanged tells the plugin of a change of owner's item for
// contact, as roster publishes it.
func (w *world) rosterChanged(owner, contact, sub string) {
	w.t.Helper()
	w.setItem(owner, contact, sub, nil)
	payload, _ := json.Marshal(rosterItem{JID: contact, Subscription: sub, Groups: []string{}})
	if err := w.h.Event(sdktest.Event{Kind: sdk.Published, Topic: "roster.changed", JID: owner, Payload: payload}); err != nil {
		w.t.Fatal(err)
	}
}

var identity = []caps.Identity{{Category: "client", Type: "pc", Name: "Test"}}

// answer is the clients' side of the plugin's disco#info queries.
func (w *world) answer(iq *etree.Element) *etree.Element {
	to := iq.SelectAttrValue("to", "")
	q := iq.SelectElement("query")
	w.mu.Lock()
	features, ok := w.clients[to]
	w.queries = append(w.queries, strings.TrimSpace(to+" "+q.SelectAttrValue("node", "")))
	if w.lie[to] {
		features = append(slices.Clone(features), "urn:example:unannounced")
	}
	w.mu.Unlock()
	if !ok {
		return nil // no answer: remote-server-timeout
	}
	res := sdk.NewIQ("result", to, iq.SelectAttrValue("from", ""), iq.SelectAttrValue("id", ""))
	rq := res.CreateElement("query")
	rq.CreateAttr("xmlns", "http://jabber.org/protocol/disco#info")
	if n := q.SelectAttrValue("node", ""); n != "" {
		rq.CreateAttr("node", n)
	}
	id := rq.CreateElement("identity")
	id.CreateAttr("category", "client")
	id.CreateAttr("type", "pc")
	id.CreateAttr("name", "Test")
	for _, f := range features {
		rq.CreateElement("feature").CreateAttr("var", f)
	}
	return res
}

// online brings a session up with XEP-0115 caps for features, and waits
// until the plugin knows its interests.
func (w *world) online(full string, priority int, features ...string) {
	w.t.Helper()
	features = append([]string{"http://jabber.org/protocol/disco#info"}, features...)
	w.mu.Lock()
	w.clients[full] = features
	w.mu.Unlock()
	ver := caps.Ver(identity, features, nil)
	w.available(full, fmt.Sprintf(`<presence><priority>%d</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='%s' ver='%s'/></presence>`, priority, capsNode, ver))
}

// update sends the session's later presence (SessionPresence) with caps
// for features, and waits until the plugin knows its interests again.
func (w *world) update(full string, priority int, features ...string) {
	w.t.Helper()
	features = append([]string{"http://jabber.org/protocol/disco#info"}, features...)
	w.mu.Lock()
	w.clients[full] = features
	w.mu.Unlock()
	ver := caps.Ver(identity, features, nil)
	presence := fmt.Sprintf(`<presence><show>away</show><priority>%d</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='%s' ver='%s'/></presence>`, priority, capsNode, ver)
	if err := w.h.Event(sdktest.Event{Kind: sdk.SessionPresence, JID: full, SessionID: "s-" + full, Stanza: presence}); err != nil {
		w.t.Fatal(err)
	}
	w.waitFor("the interests of "+full, func() bool { return w.p.Settled(full) })
}

// unavailable sends the session's unavailable presence, the stream
// staying open.
func (w *world) unavailable(full string) {
	w.t.Helper()
	if err := w.h.Event(sdktest.Event{Kind: sdk.SessionPresence, JID: full, SessionID: "s-" + full, Stanza: "<presence type='unavailable'/>"}); err != nil {
		w.t.Fatal(err)
	}
}

// available sends SessionAvailable with the presence given and waits
// until the plugin knows the session's interests.
func (w *world) available(full, presence string) {
	w.t.Helper()
	if err := w.h.Event(sdktest.Event{Kind: sdk.SessionAvailable, JID: full, SessionID: "s-" + full, Stanza: presence}); err != nil {
		w.t.Fatal(err)
	}
	w.waitFor("the interests of "+full, func() bool { return w.p.Settled(full) })
}

func (w *world) offline(full string) {
	w.t.Helper()
	if err := w.h.Event(sdktest.Event{Kind: sdk.SessionClosed, JID: full, SessionID: "s-" + full}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) queriesSeen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.queries)
}

// waitFor polls cond until it holds, failing the test after 5 seconds.
func (w *world) waitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// do sends a stanza from a full JID and fails the test on a stanza error.
func (w *world) do(from, xml string) *etree.Element {
	w.t.Helper()
	r := w.h.Handle(xml, from)
	if r.Err != nil || r.NoRoute || len(r.Replies) != 1 {
		w.t.Fatalf("%s sent %s:\n got error %v, no route %v, %d replies", from, xml, r.Err, r.NoRoute, len(r.Replies))
	}
	return r.Replies[0]
}

// fails sends a stanza and returns the stanza error it meets, failing the
// test if it succeeds.
func (w *world) fails(from, xml string) string {
	w.t.Helper()
	r := w.h.Handle(xml, from)
	if r.Err == nil {
		w.t.Fatalf("%s sent %s: succeeded, want an error", from, xml)
	}
	return canonical(mustParse(w.t, r.Err.String()))
}

func (w *world) mark() int { return len(w.h.Sent()) }

// messagesSince returns the messages the plugin sent since mark,
// canonical, with their ids and delay stamps blanked.
func (w *world) messagesSince(mark int) []string {
	var out []string
	for _, el := range w.h.Sent()[mark:] {
		if el.Tag == "message" {
			out = append(out, canonical(el))
		}
	}
	return out
}

// waitMessages waits until n messages were sent since mark and returns
// them.
func (w *world) waitMessages(mark, n int) []string {
	w.t.Helper()
	w.waitFor(fmt.Sprintf("%d messages", n), func() bool { return len(w.messagesSince(mark)) >= n })
	return w.messagesSince(mark)
}

// expectMessages compares what was sent since mark with want, each
// written as in a transcript.
func (w *world) expectMessages(mark int, want ...string) {
	w.t.Helper()
	got := w.messagesSince(mark)
	for i := range want {
		want[i] = canonical(mustParse(w.t, want[i]))
	}
	if !slices.Equal(got, want) {
		w.t.Errorf("messages sent:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func mustParse(t *testing.T, s string) *etree.Element {
	t.Helper()
	el, err := sdk.UnmarshalElement([]byte(s))
	if err != nil {
		t.Fatalf("parsing %s: %v", s, err)
	}
	return el
}

// canonical writes el on one line, attributes sorted, whitespace between
// elements dropped, with the message id and the delay stamp (which vary)
// blanked.
func canonical(el *etree.Element) string {
	c := el.Copy()
	if c.Tag == "message" && c.SelectAttr("id") != nil {
		c.CreateAttr("id", "*")
	}
	for _, d := range c.SelectElements("delay") {
		d.CreateAttr("stamp", "*")
	}
	tidy(c)
	var b strings.Builder
	c.WriteTo(&b, &etree.WriteSettings{})
	return b.String()
}

func tidy(e *etree.Element) {
	e.SortAttrs()
	for _, t := range slices.Clone(e.Child) {
		if cd, ok := t.(*etree.CharData); ok && strings.TrimSpace(cd.Data) == "" && len(e.ChildElements()) > 0 {
			e.RemoveChild(cd)
		}
	}
	for _, ch := range e.ChildElements() {
		tidy(ch)
	}
}
