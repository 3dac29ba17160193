package sharedroster_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/sharedroster"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// Every member that exists has every other member of its groups that
// exists, under the names of the groups they share.
const allGroups = `alice@localhost: bob@localhost[Staff] carol@localhost[Staff]
bob@localhost: alice@localhost[Staff] carol@localhost[Staff,Ops] dave@localhost[Ops]
carol@localhost: alice@localhost[Staff] bob@localhost[Staff,Ops] dave@localhost[Ops]
dave@localhost: bob@localhost[Ops] carol@localhost[Ops]`

func TestSyncOnStart(t *testing.T) {
	_, f := newHarness(t, groups)
	if got := f.rosters(); got != allGroups {
		t.Errorf("rosters:\n%s\nwant:\n%s", got, allGroups)
	}
}

// A sync that finds everything in place changes nothing, and accounts in
// no group are never touched.
func TestSyncAgain(t *testing.T) {
	h, f := newHarness(t, groups)
	event(t, h, sdktest.Event{Kind: sdk.ManifestsChanged})
	if got := f.rosters(); got != allGroups {
		t.Errorf("rosters:\n%s\nwant:\n%s", got, allGroups)
	}
	if strings.Contains(f.rosters(), "frank") {
		t.Error("frank, in no group, got items")
	}
}

// A reload that changes the groups brings the rosters in line in the
// background: those who left a group lose its members, and an account
// left with no group at all is given an empty list.
func TestReloadSyncs(t *testing.T) {
	h, f := newHarness(t, groups)
	staffOnly := map[string]any{"groups": []map[string]any{
		{"name": "Staff", "members": []string{"alice@localhost", "bob@localhost", "carol@localhost"}},
	}}
	if err := h.Configure(staffOnly); err != nil {
		t.Fatal(err)
	}
	f.waitFor(t, `alice@localhost: bob@localhost[Staff] carol@localhost[Staff]
bob@localhost: alice@localhost[Staff] carol@localhost[Staff]
carol@localhost: alice@localhost[Staff] bob@localhost[Staff]`)
	if err := h.Configure(nil); err != nil {
		t.Fatal(err)
	}
	f.waitFor(t, "")
}

// A member whose account is created joins its peers' rosters, and gets
// them.
func TestAccountCreated(t *testing.T) {
	h, f := newHarness(t, groups)
	if err := h.Accounts().Create(t.Context(), "eve", "pw"); err != nil {
		t.Fatal(err)
	}
	event(t, h, sdktest.Event{Kind: sdk.AccountCreated, JID: "eve@localhost"})
	want := `alice@localhost: bob@localhost[Staff] carol@localhost[Staff] eve@localhost[Staff]
bob@localhost: alice@localhost[Staff] carol@localhost[Staff,Ops] dave@localhost[Ops] eve@localhost[Staff]
carol@localhost: alice@localhost[Staff] bob@localhost[Staff,Ops] dave@localhost[Ops] eve@localhost[Staff]
dave@localhost: bob@localhost[Ops] carol@localhost[Ops]
eve@localhost: alice@localhost[Staff] bob@localhost[Staff] carol@localhost[Staff]`
	if got := f.rosters(); got != want {
		t.Errorf("rosters:\n%s\nwant:\n%s", got, want)
	}
	f.mu.Lock()
	before := f.calls
	f.mu.Unlock()
	if err := h.Accounts().Create(t.Context(), "paris", "pw"); err != nil {
		t.Fatal(err)
	}
	event(t, h, sdktest.Event{Kind: sdk.AccountCreated, JID: "paris@localhost"})
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls != before {
		t.Error("an account in no group caused roster calls")
	}
}

// A deleted member leaves its peers' rosters, and its extra data goes.
// Its own roster is roster's to delete: it gets no call.
func TestAccountDeleted(t *testing.T) {
	h, f := newHarness(t, groups)
	if err := h.Store("bob@localhost").Put(t.Context(), "extra", []byte("<item jid='bob@localhost'><phone>1</phone></item>")); err != nil {
		t.Fatal(err)
	}
	if err := h.Accounts().Delete(t.Context(), "bob"); err != nil {
		t.Fatal(err)
	}
	event(t, h, sdktest.Event{Kind: sdk.AccountDeleted, JID: "bob@localhost"})
	want := `alice@localhost: carol@localhost[Staff]
bob@localhost: alice@localhost[Staff] carol@localhost[Staff,Ops] dave@localhost[Ops]
carol@localhost: alice@localhost[Staff] dave@localhost[Ops]
dave@localhost: carol@localhost[Ops]`
	if got := f.rosters(); got != want { // the fake keeps bob's last items: no call came
		t.Errorf("rosters:\n%s\nwant:\n%s", got, want)
	}
	if _, err := h.Store("bob@localhost").Get(t.Context(), "extra"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("bob's extra data: %v, want deleted", err)
	}
	// bob is no longer marked: a full sync does not call roster for him.
	event(t, h, sdktest.Event{Kind: sdk.ManifestsChanged})
	if got := f.rosters(); got != want {
		t.Errorf("after a full sync, rosters:\n%s\nwant:\n%s", got, want)
	}
}

// roster's error reaches the core's log through the event's error.
func TestRosterFails(t *testing.T) {
	h := sdktest.New(t, sharedroster.New(), sdktest.Options{Config: groups, Logger: hclog.NewNullLogger()})
	h.Provide("roster", "managed", func(context.Context, string, []byte) ([]byte, error) {
		return nil, errors.New("roster is down")
	})
	if err := h.Accounts().Create(t.Context(), "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	if err := h.Accounts().Create(t.Context(), "bob", "pw"); err != nil {
		t.Fatal(err)
	}
	if err := h.Event(sdktest.Event{Kind: sdk.ManifestsChanged}); err == nil {
		t.Error("a failed sync was not reported")
	}
}

func TestConfigErrors(t *testing.T) {
	h, _ := newHarness(t, nil)
	for _, tt := range []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"unknown key", map[string]any{"group": []any{}}, `"group"`},
		{"no name", map[string]any{"groups": []map[string]any{{"members": []string{"alice@localhost"}}}}, "groups[0]"},
		{"name twice", map[string]any{"groups": []map[string]any{{"name": "A"}, {"name": "A"}}}, "groups[1]"},
		{"name too long", map[string]any{"groups": []map[string]any{{"name": strings.Repeat("x", 1025)}}}, "groups[0]"},
		{"member not an account", map[string]any{"groups": []map[string]any{{"name": "A", "members": []string{"localhost"}}}}, "groups[0].members[0]"},
		{"member twice", map[string]any{"groups": []map[string]any{{"name": "A", "members": []string{"alice@localhost", "ALICE@localhost"}}}}, "groups[0].members[1]"},
		{"member elsewhere", map[string]any{"groups": []map[string]any{{"name": "A", "members": []string{"alice@example.org"}}}}, "groups[0].members[0]"},
		{"no extra data", map[string]any{"max_extra_bytes": 0}, "max_extra_bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.Configure(tt.config); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Configure error = %v, want one mentioning %s", err, tt.want)
			}
		})
	}
}
