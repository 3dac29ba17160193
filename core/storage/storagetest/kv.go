package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

func testKV(t *testing.T, open func(t *testing.T) storage.Store) {
	ctx := t.Context()
	s := open(t)

	if _, err := s.Get(ctx, "private", "alice@localhost", "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get of missing key: err = %v, want ErrNotFound", err)
	}
	binary := []byte{0, 1, 2, 0xff, 0}
	puts := []struct {
		ns, owner, key string
		value          []byte
	}{
		{"private", "alice@localhost", "k", []byte("first")},
		{"private", "alice@localhost", "k", binary}, // replaces "first"
		{"private", "bob@localhost", "k", []byte("bob's")},
		{"roster", "alice@localhost", "k", []byte("other ns")},
		{"private", "", "k", []byte("server-wide")},
		{"private", "alice@localhost", "empty", nil},
		{"private", "alice@localhost", "ünï/\x00code", []byte("odd key")},
	}
	for _, p := range puts {
		if err := s.Put(ctx, p.ns, p.owner, p.key, p.value); err != nil {
			t.Fatalf("Put(%s, %s, %q): %v", p.ns, p.owner, p.key, err)
		}
	}
	gets := []struct {
		ns, owner, key string
		want           []byte
	}{
		{"private", "alice@localhost", "k", binary},
		{"private", "bob@localhost", "k", []byte("bob's")},
		{"roster", "alice@localhost", "k", []byte("other ns")},
		{"private", "", "k", []byte("server-wide")},
		{"private", "alice@localhost", "empty", []byte{}},
		{"private", "alice@localhost", "ünï/\x00code", []byte("odd key")},
	}
	for _, g := range gets {
		got, err := s.Get(ctx, g.ns, g.owner, g.key)
		if err != nil {
			t.Errorf("Get(%s, %s, %q): %v", g.ns, g.owner, g.key, err)
			continue
		}
		if !bytes.Equal(got, g.want) {
			t.Errorf("Get(%s, %s, %q) = %q, want %q", g.ns, g.owner, g.key, got, g.want)
		}
	}

	if err := s.Delete(ctx, "private", "alice@localhost", "k"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, "private", "alice@localhost", "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if got, err := s.Get(ctx, "private", "bob@localhost", "k"); err != nil || string(got) != "bob's" {
		t.Errorf("Delete touched another owner: Get = %q, %v", got, err)
	}
	if err := s.Delete(ctx, "private", "alice@localhost", "k"); err != nil {
		t.Errorf("Delete of absent key: %v", err)
	}
}

func testScan(t *testing.T, open func(t *testing.T) storage.Store) {
	ctx := t.Context()
	s := open(t)
	keys := []string{"a", "b", "b/1", "b/2", "b/3", "b/\xff", "b0", "c", "\xff\xff"}
	for _, k := range keys {
		if err := s.Put(ctx, "ns", "alice@localhost", k, []byte("v"+k)); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	// Rows of other scopes must never show up.
	for _, o := range []struct{ ns, owner string }{{"ns", "bob@localhost"}, {"other", "alice@localhost"}, {"ns", ""}} {
		if err := s.Put(ctx, o.ns, o.owner, "b/1", []byte("x")); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}

	tests := []struct {
		prefix, after string
		limit         int
		reverse       bool
		want          []string
	}{
		{"", "", 0, false, keys},
		{"b/", "", 0, false, []string{"b/1", "b/2", "b/3", "b/\xff"}},
		{"b", "", 0, false, []string{"b", "b/1", "b/2", "b/3", "b/\xff", "b0"}},
		{"b/", "b/1", 0, false, []string{"b/2", "b/3", "b/\xff"}},
		{"b/", "b/1", 2, false, []string{"b/2", "b/3"}},
		{"b/", "", 2, false, []string{"b/1", "b/2"}},
		{"b/", "", -1, false, []string{"b/1", "b/2", "b/3", "b/\xff"}},
		{"b/", "", 0, true, []string{"b/\xff", "b/3", "b/2", "b/1"}},
		{"b/", "b/3", 0, true, []string{"b/2", "b/1"}},
		{"b/", "b/3", 1, true, []string{"b/2"}},
		{"b/", "zzz", 0, true, []string{"b/\xff", "b/3", "b/2", "b/1"}},
		{"b/", "b/2x", 0, false, []string{"b/3", "b/\xff"}},
		{"", "b0", 0, false, []string{"c", "\xff\xff"}},
		{"", "b0", 2, true, []string{"b/\xff", "b/3"}},
		{"\xff", "", 0, false, []string{"\xff\xff"}},
		{"d", "", 0, false, nil},
		{"b/", "b/\xff", 0, false, nil},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("prefix=%q after=%q limit=%d reverse=%v", tt.prefix, tt.after, tt.limit, tt.reverse)
		got, err := s.Scan(ctx, "ns", "alice@localhost", tt.prefix, tt.after, tt.limit, tt.reverse)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var gotKeys []string
		for _, kv := range got {
			gotKeys = append(gotKeys, kv.Key)
			if string(kv.Value) != "v"+kv.Key {
				t.Errorf("%s: value of %q = %q, want %q", name, kv.Key, kv.Value, "v"+kv.Key)
			}
		}
		if !slices.Equal(gotKeys, tt.want) {
			t.Errorf("%s: keys = %q, want %q", name, gotKeys, tt.want)
		}
	}
}

// testConcurrentWrites checks that writers racing each other all succeed: a
// driver must queue them rather than surface lock contention to callers.
func testConcurrentWrites(t *testing.T, open func(t *testing.T) storage.Store) {
	ctx := withTimeout(t)
	s := open(t)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := s.Put(ctx, "ns", "", fmt.Sprintf("%d/%03d", w, i), []byte("v")); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Put: %v", err)
	}
	got, err := s.Scan(ctx, "ns", "", "", "", 0, false)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if len(got) != writers*each {
		t.Errorf("Scan after concurrent writes returned %d rows, want %d", len(got), writers*each)
	}
}
