package roster

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/storecache"
)

// A login reads its roster three or four times within a few milliseconds:
// the client's roster get (version and items), then presence asks for the
// items and the pending requests at initial presence. Each read was a
// call to the core and an SQLite query: 4.4 store calls of the 11.5 a
// login made. readCache keeps what a roster read returned for a moment,
// so that those reads after the first cost nothing. The plugin is the only
// writer of its namespace, and every write through it invalidates what it
// wrote (storecache.WatchWrites); the short life bounds what a write
// outside the plugin (the core deleting an account's rows) could leave
// stale, and keeps the memory to the rosters of the accounts logging in
// right now.
const (
	readCacheTTL     = 2 * time.Second
	readCacheEntries = 4096
)

// readCache holds the two reads a login repeats, per owner: the whole
// item range and the version. The values are shared between readers, who
// only ever decode them.
type readCache struct {
	items *storecache.Cache[[]sdk.KV]
	ver   *storecache.Cache[verRead]
}

// verRead is what a read of the version found.
type verRead struct {
	v      []byte
	absent bool
}

func newReadCache(now func() time.Time) readCache {
	o := storecache.Options{Size: readCacheEntries, MaxAge: readCacheTTL, Now: now}
	return readCache{items: storecache.New[[]sdk.KV](o), ver: storecache.New[verRead](o)}
}

// invalidate forgets owner's roster, for a change the core made.
func (c readCache) invalidate(owner string) {
	c.items.Invalidate(owner)
	c.ver.Invalidate(owner)
}

// host returns h with its roster reads cached and its writes watched.
func (c readCache) host(h sdk.Host) sdk.Host {
	return cachingHost{
		Host: storecache.WatchWrites(h,
			storecache.Watch{Cache: c.items, Keys: func(k string) bool { return strings.HasPrefix(k, itemPrefix) }},
			storecache.Watch{Cache: c.ver, Keys: func(k string) bool { return k == verKey }}),
		cache: c,
	}
}

type cachingHost struct {
	sdk.Host
	cache readCache
}

func (h cachingHost) Store(owner string) sdk.Store {
	return cachingStore{Store: h.Host.Store(owner), owner: owner, cache: h.cache}
}

type cachingStore struct {
	sdk.Store
	owner string
	cache readCache
}

func (s cachingStore) Scan(ctx context.Context, prefix, after string, limit int, reverse bool) ([]sdk.KV, error) {
	if prefix != itemPrefix || after != "" || limit != 0 || reverse {
		return s.Store.Scan(ctx, prefix, after, limit, reverse)
	}
	return s.cache.items.Get(ctx, s.owner, func(ctx context.Context) ([]sdk.KV, error) {
		return s.Store.Scan(ctx, prefix, after, limit, reverse)
	})
}

func (s cachingStore) Get(ctx context.Context, key string) ([]byte, error) {
	if key != verKey {
		return s.Store.Get(ctx, key)
	}
	r, err := s.cache.ver.Get(ctx, s.owner, func(ctx context.Context) (verRead, error) {
		v, err := s.Store.Get(ctx, key)
		if errors.Is(err, sdk.ErrNotFound) {
			return verRead{absent: true}, nil
		}
		return verRead{v: v}, err
	})
	switch {
	case err != nil:
		return nil, err
	case r.absent:
		return nil, sdk.ErrNotFound
	}
	return r.v, nil
}
