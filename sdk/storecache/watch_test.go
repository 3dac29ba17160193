package storecache

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// writesOnly is a host whose store takes writes and does nothing else.
type writesOnly struct{ sdk.Host }

func (writesOnly) Store(string) sdk.Store                          { return nopStore{} }
func (writesOnly) StoreBatch(context.Context, []sdk.StoreOp) error { return nil }

type nopStore struct{ sdk.Store }

func (nopStore) Put(context.Context, string, []byte) error { return nil }
func (nopStore) Delete(context.Context, string) error      { return nil }

// Every write through the watched host invalidates its owner in the
// caches that hold the key written, and only there.
func TestWritesInvalidateTheCachesThatHoldTheirKeys(t *testing.T) {
	items := New[string](Options{})
	ver := New[string](Options{})
	host := WatchWrites(writesOnly{},
		Watch{Cache: items, Keys: func(k string) bool { return strings.HasPrefix(k, "item/") }},
		Watch{Cache: ver, Keys: func(k string) bool { return k == "ver" }})
	ctx := context.Background()
	fill := func() {
		for _, owner := range []string{"juliet", "romeo"} {
			items.Set(owner, "items")
			ver.Set(owner, "ver")
		}
	}
	kept := func(c *Cache[string], owner string) bool {
		v, _ := c.Get(ctx, owner, func(context.Context) (string, error) { return "read", nil })
		c.Set(owner, v) // put back what the look took
		return v != "read"
	}
	for _, tc := range []struct {
		name  string
		write func() error
		items map[string]bool // owners whose items stay kept
		ver   map[string]bool
	}{
		{"put of an item", func() error { return host.Store("juliet").Put(ctx, "item/romeo", nil) },
			map[string]bool{"romeo": true}, map[string]bool{"juliet": true, "romeo": true}},
		{"delete of the version", func() error { return host.Store("romeo").Delete(ctx, "ver") },
			map[string]bool{"juliet": true, "romeo": true}, map[string]bool{"juliet": true}},
		{"a key neither holds", func() error { return host.Store("juliet").Put(ctx, "other", nil) },
			map[string]bool{"juliet": true, "romeo": true}, map[string]bool{"juliet": true, "romeo": true}},
		{"a batch over two owners", func() error {
			return host.StoreBatch(ctx, []sdk.StoreOp{{Owner: "juliet", Key: "ver"}, {Owner: "romeo", Key: "item/x", Delete: true}})
		}, map[string]bool{"juliet": true}, map[string]bool{"romeo": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fill()
			if err := tc.write(); err != nil {
				t.Fatal(err)
			}
			for _, owner := range []string{"juliet", "romeo"} {
				if got := kept(items, owner); got != tc.items[owner] {
					t.Errorf("%s's items kept = %v, want %v", owner, got, tc.items[owner])
				}
				if got := kept(ver, owner); got != tc.ver[owner] {
					t.Errorf("%s's version kept = %v, want %v", owner, got, tc.ver[owner])
				}
			}
		})
	}
}
