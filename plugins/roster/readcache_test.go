package roster

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// countingStore is an in-memory sdk.Store that counts the reads that reach it.
type countingStore struct {
	mu          sync.Mutex
	data        map[string][]byte
	scans, gets int
	// duringScan, when set, runs in the middle of the next Scan.
	duringScan func()
}

func (s *countingStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	v, ok := s.data[key]
	if !ok {
		return nil, sdk.ErrNotFound
	}
	return v, nil
}

func (s *countingStore) Put(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = value
	return nil
}

func (s *countingStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, key)
	return nil
}

func (s *countingStore) Scan(_ context.Context, prefix, _ string, _ int, _ bool) ([]sdk.KV, error) {
	s.mu.Lock()
	s.scans++
	var out []sdk.KV
	for k, v := range s.data {
		if strings.HasPrefix(k, prefix) {
			out = append(out, sdk.KV{Key: k, Value: v})
		}
	}
	during := s.duringScan
	s.duringScan = nil
	s.mu.Unlock()
	if during != nil {
		during() // after the read: what it found is already out of date
	}
	return out, nil
}

func (s *countingStore) reads() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scans, s.gets
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// oneStore is a host with one store, whoever its owner.
type oneStore struct {
	sdk.Host
	st sdk.Store
}

func (h oneStore) Store(string) sdk.Store { return h.st }

func newCached(t *testing.T) (sdk.Store, *countingStore, *fakeClock) {
	t.Helper()
	under := &countingStore{data: map[string][]byte{itemKey("romeo@localhost"): []byte(`{"sub":"both"}`)}}
	clock := &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	host := newReadCache(clock.now).host(oneStore{st: under})
	return host.Store("juliet@localhost"), under, clock
}

// A login's roster get, then presence's items and pending: one Scan and
// one version read reach the store.
func TestALoginReadsTheRosterFromTheStoreOnce(t *testing.T) {
	st, under, _ := newCached(t)
	ctx := context.Background()
	for range 3 {
		if _, err := version(ctx, st); err != nil {
			t.Fatal(err)
		}
		entries, err := loadAll(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].contact != "romeo@localhost" {
			t.Fatalf("entries %+v", entries)
		}
	}
	if scans, gets := under.reads(); scans != 1 || gets != 1 {
		t.Errorf("the store saw %d scans and %d gets, want 1 and 1", scans, gets)
	}
}

// A write through the plugin is seen by the very next read.
func TestAWriteIsSeenAtOnce(t *testing.T) {
	st, _, _ := newCached(t)
	ctx := context.Background()
	if _, err := loadAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := save(ctx, st, "nurse@localhost", &record{Sub: "to"}); err != nil {
		t.Fatal(err)
	}
	entries, err := loadAll(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("after adding the nurse, %d entries, want 2", len(entries))
	}
	if err := st.Put(ctx, verKey, []byte("e-2")); err != nil {
		t.Fatal(err)
	}
	if v, err := version(ctx, st); err != nil || v != "e-2" {
		t.Errorf("version %q, %v; want e-2", v, err)
	}
}

// What a read found before a write that landed meanwhile is not kept.
func TestAReadOverlappingAWriteIsNotKept(t *testing.T) {
	st, under, _ := newCached(t)
	ctx := context.Background()
	under.duringScan = func() {
		if err := save(ctx, st, "nurse@localhost", &record{Sub: "to"}); err != nil {
			t.Error(err)
		}
	}
	if _, err := loadAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	entries, err := loadAll(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("%d entries after a write during the first read, want the 2 written", len(entries))
	}
	if scans, _ := under.reads(); scans != 2 {
		t.Errorf("%d scans, want the second read to reach the store", scans)
	}
}

// A change made outside the plugin (the core deleting an account's rows)
// shows once the cached read lapses.
func TestCachedReadsLapse(t *testing.T) {
	st, under, clock := newCached(t)
	ctx := context.Background()
	if _, err := loadAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	under.mu.Lock()
	delete(under.data, itemKey("romeo@localhost"))
	under.mu.Unlock()
	clock.t = clock.t.Add(readCacheTTL + time.Millisecond)
	entries, err := loadAll(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("%d entries after the cache lapsed, want the store's 0", len(entries))
	}
	if _, err := st.Get(ctx, verKey); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("absent version: %v", err)
	}
	if _, err := st.Get(ctx, verKey); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("absent version, cached: %v", err)
	}
	if _, gets := under.reads(); gets != 1 {
		t.Errorf("%d gets of an absent version, want 1", gets)
	}
}
