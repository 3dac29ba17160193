package sharedroster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/sharedroster"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// fakeRoster stands in for roster's managed method: it keeps, per owner,
// the items last handed to it, as roster would show them.
type fakeRoster struct {
	mu      sync.Mutex
	items   map[string][]sharedroster.ManagedItem
	calls   int
	changed chan struct{}
}

func (f *fakeRoster) managed(_ context.Context, caller string, payload []byte) ([]byte, error) {
	var req sharedroster.ManagedRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, err
	}
	if caller != "sharedroster" || req.Items == nil {
		return nil, fmt.Errorf("caller %q, items %v", caller, req.Items)
	}
	f.mu.Lock()
	if len(req.Items) == 0 {
		delete(f.items, req.Owner)
	} else {
		f.items[req.Owner] = req.Items
	}
	f.calls++
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
	return []byte("{}"), nil
}

// rosters writes what each owner holds as "owner: jid[group,group] …",
// owners in order, for comparing.
func (f *fakeRoster) rosters() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var owners []string
	for o := range f.items {
		owners = append(owners, o)
	}
	slices.Sort(owners)
	var lines []string
	for _, o := range owners {
		var its []string
		for _, it := range f.items[o] {
			its = append(its, it.JID+"["+strings.Join(it.Groups, ",")+"]")
		}
		lines = append(lines, o+": "+strings.Join(its, " "))
	}
	return strings.Join(lines, "\n")
}

// waitFor waits until the rosters are want, or fails after a deadline.
func (f *fakeRoster) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for f.rosters() != want {
		select {
		case <-f.changed:
		case <-deadline:
			t.Fatalf("rosters:\n%s\nwant:\n%s", f.rosters(), want)
		}
	}
}

// groups: carol is staff and ops; eve is staff but has no account yet.
var groups = map[string]any{"groups": []map[string]any{
	{"name": "Staff", "members": []string{"alice@localhost", "bob@localhost", "carol@localhost", "eve@localhost"}},
	{"name": "Ops", "members": []string{"carol@localhost", "dave@localhost", "bob@localhost"}},
}}

// newHarness runs the plugin with config against a fake roster, with the
// accounts alice, bob, carol, dave and frank, and syncs once.
func newHarness(t *testing.T, config map[string]any) (*sdktest.Harness, *fakeRoster) {
	t.Helper()
	h := sdktest.New(t, sharedroster.New(), sdktest.Options{Config: config, Logger: hclog.NewNullLogger()})
	f := &fakeRoster{items: map[string][]sharedroster.ManagedItem{}, changed: make(chan struct{}, 1)}
	h.Provide("roster", "managed", f.managed)
	for _, u := range []string{"alice", "bob", "carol", "dave", "frank"} {
		if err := h.Accounts().Create(t.Context(), u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	event(t, h, sdktest.Event{Kind: sdk.ManifestsChanged})
	return h, f
}

func event(t *testing.T, h *sdktest.Harness, ev sdktest.Event) {
	t.Helper()
	if err := h.Event(ev); err != nil {
		t.Fatal(err)
	}
}
