package private_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/pep/pepapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// fakePEP keeps one account's legacy bookmarks as pep's methods would.
type fakePEP struct {
	mu      sync.Mutex
	storage string
	sets    []pepapi.SetLegacyRequest
}

func (f *fakePEP) install(h *sdktest.Harness) {
	h.AddManifest(sdk.Manifest{Name: pepapi.Plugin, Provides: []string{pepapi.MethodLegacyBookmarks, pepapi.MethodSetLegacy}})
	h.Provide(pepapi.Plugin, pepapi.MethodLegacyBookmarks, func(_ context.Context, _ string, _ []byte) ([]byte, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return json.Marshal(pepapi.Legacy{Storage: f.storage})
	})
	h.Provide(pepapi.Plugin, pepapi.MethodSetLegacy, func(_ context.Context, _ string, payload []byte) ([]byte, error) {
		var req pepapi.SetLegacyRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, err
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.sets = append(f.sets, req)
		f.storage = req.Storage
		return []byte("{}"), nil
	})
}

// With pep loaded, storage:bookmarks is pep's (XEP-0402 §5.3): a set
// reaches it, a get reads from it, and nothing is stored here; other
// namespaces stay here.
func TestBookmarksThroughPEP(t *testing.T) {
	h := newHarness(t, nil)
	f := &fakePEP{storage: `<storage xmlns="storage:bookmarks"><conference jid="play@conference.localhost" name="Play"/></storage>`}
	f.install(h)
	if err := h.Event(sdktest.Event{Kind: sdk.ManifestsChanged}); err != nil {
		t.Fatal(err)
	}

	r := h.Handle(`<iq type='get' id='g'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>`, juliet)
	if r.Err != nil || len(r.Replies) != 1 || !strings.Contains(string(sdk.MarshalElement(r.Replies[0])), `<conference jid="play@conference.localhost" name="Play"/>`) {
		t.Fatalf("get: %v %v", r.Err, r.Replies)
	}
	r = h.Handle(`<iq type='set' id='s'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'><conference jid='orchard@conference.localhost' autojoin='true'/></storage></query></iq>`, juliet)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if len(f.sets) != 1 || f.sets[0].Owner != "juliet@localhost" || f.sets[0].Merge || !strings.Contains(f.sets[0].Storage, "orchard@conference.localhost") {
		t.Errorf("pep was asked %+v", f.sets)
	}
	if _, err := h.Store("juliet@localhost").Get(context.Background(), "ns/storage:bookmarks"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("bookmarks stored by private too: %v", err)
	}
	if r := set(h, "urn:example:prefs", 10); r.Err != nil {
		t.Fatal(r.Err)
	}
	if _, err := h.Store("juliet@localhost").Get(context.Background(), "ns/urn:example:prefs"); err != nil {
		t.Errorf("another namespace: %v", err)
	}
}

// Bookmarks stored here before pep took them over are handed to pep,
// merged with its own, at the first access, and forgotten here.
func TestBookmarksMigrateToPEP(t *testing.T) {
	h := newHarness(t, nil)
	old := `<query xmlns="jabber:iq:private"><storage xmlns="storage:bookmarks"><conference jid="old@conference.localhost" name="Old"/></storage></query>`
	if err := h.Store("juliet@localhost").Put(context.Background(), "ns/storage:bookmarks", []byte(old)); err != nil {
		t.Fatal(err)
	}
	f := &fakePEP{storage: `<storage xmlns="storage:bookmarks"/>`}
	f.install(h)
	if err := h.Event(sdktest.Event{Kind: sdk.ManifestsChanged}); err != nil {
		t.Fatal(err)
	}
	if r := h.Handle(`<iq type='get' id='g'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>`, juliet); r.Err != nil {
		t.Fatal(r.Err)
	}
	if len(f.sets) != 1 || !f.sets[0].Merge || !strings.Contains(f.sets[0].Storage, "old@conference.localhost") {
		t.Errorf("migration asked pep %+v", f.sets)
	}
	if _, err := h.Store("juliet@localhost").Get(context.Background(), "ns/storage:bookmarks"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("migrated bookmarks still here: %v", err)
	}
}
