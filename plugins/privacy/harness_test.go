package privacy

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// fakeRoster plays the roster plugin's "items" method.
type fakeRoster struct {
	mu    sync.Mutex
	items map[string][]contact
}

func (r *fakeRoster) set(owner string, items ...contact) {
	r.mu.Lock()
	r.items[owner] = items
	r.mu.Unlock()
}

func (r *fakeRoster) serve(_ context.Context, _ string, owner []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	items := r.items[string(owner)]
	if items == nil {
		items = []contact{}
	}
	return json.Marshal(map[string]any{"ver": "1", "items": items})
}

const juliet = "juliet@localhost"

// newHarness runs the plugin with pushes numbered push1, push2…. juliet is
// online twice (balcony s1, chamber s2), romeo once (orchard s3), the
// nurse once (kitchen s4). juliet's roster: romeo (both, Friends), the
// nurse (to, Household), benvolio (from, Friends), paris (none, Suitors).
func newHarness(t *testing.T, config map[string]any) (*sdktest.Harness, *fakeRoster) {
	t.Helper()
	p := New()
	var n atomic.Int64
	p.newID = func() string { return fmt.Sprintf("push%d", n.Add(1)) }
	h := sdktest.New(t, p, sdktest.Options{Config: config, Logger: hclog.NewNullLogger()})
	r := populate(h)
	h.SetSessions("nurse@localhost", online("nurse@localhost/kitchen", "s4", "busy"))
	return h, r
}

// populate gives juliet her roster and two sessions, and romeo one: the
// world the tests and FuzzPrivacy share.
func populate(h *sdktest.Harness) *fakeRoster {
	r := &fakeRoster{items: map[string][]contact{}}
	r.set(juliet,
		contact{JID: "romeo@localhost", Subscription: "both", Groups: []string{"Friends"}},
		contact{JID: "nurse@localhost", Subscription: "to", Groups: []string{"Household"}},
		contact{JID: "benvolio@localhost", Subscription: "from", Groups: []string{"Friends"}},
		contact{JID: "paris@localhost", Subscription: "none", Groups: []string{"Suitors"}},
	)
	h.Provide("roster", "items", r.serve)
	h.SetSessions(juliet, online(juliet+"/balcony", "s1", "at the window"), online(juliet+"/chamber", "s2", "asleep"))
	h.SetSessions("romeo@localhost", online("romeo@localhost/orchard", "s3", "climbing"))
	return r
}

// online is an available session whose last presence has the status.
func online(full, id, status string) sdk.Session {
	pres := sdk.NewElement("", "presence")
	pres.CreateAttr("from", full)
	pres.CreateElement("show").SetText("away")
	pres.CreateElement("status").SetText(status)
	return sdk.Session{JID: full, SessionID: id, Available: true, Presence: pres}
}

// do sends a stanza and fails the test on a stanza error.
func do(t *testing.T, h *sdktest.Harness, from, xml string) sdktest.Response {
	t.Helper()
	r := h.Handle(xml, from)
	if r.Err != nil || r.NoRoute {
		t.Fatalf("%s: %+v", xml, r)
	}
	return r
}

// waitFilters waits until owner's installed rules satisfy ok.
func waitFilters(t *testing.T, h *sdktest.Harness, owner string, ok func([]sdk.FilterRule) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok(h.Filters(owner)) {
		if time.Now().After(deadline) {
			t.Fatalf("rules of %s: %+v", owner, h.Filters(owner))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func denies(rules []sdk.FilterRule, peer string) bool {
	return slices.ContainsFunc(rules, func(r sdk.FilterRule) bool { return r.JID == peer && r.Action == sdk.Deny })
}

func xmlString(el *etree.Element) string {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	s, _ := doc.WriteToString()
	return s
}
