package roster

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// A login reads its roster three or four times within a few milliseconds:
// the client's roster get (version and items), then presence asks for the
// items and the pending requests at initial presence. Each read was a
// call to the core and an SQLite query: 4.4 store calls of the 11.5 a
// login made. readCache keeps what a roster read returned for a moment,
// so that those reads after the first cost nothing. The plugin is the only
// writer of its namespace, and every write through it invalidates the
// cache; the short life bounds what a write outside the plugin (the core
// deleting an account's rows) could leave stale, and keeps the memory to
// the rosters of the accounts logging in right now.
const (
	readCacheTTL     = 2 * time.Second
	readCacheEntries = 4096
)

type readCache struct {
	mu sync.Mutex
	// epoch moves on with every write: a read that began in an older
	// epoch may have read what the write replaced, and is not kept.
	epoch uint64
	m     map[string]cachedRoster
	now   func() time.Time
}

// cachedRoster is what was read of one owner's roster.
type cachedRoster struct {
	at    time.Time
	items []sdk.KV // the whole item range, when read
	ver   []byte   // the version, when read
	noVer bool     // the version was read and was absent
	read  uint8    // which of the above were read: readItems, readVersion
}

const (
	readItems = 1 << iota
	readVersion
)

func newReadCache() *readCache { return &readCache{now: time.Now} }

// begin returns the epoch a read starts in.
func (c *readCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// invalidate forgets everything: called before and after every write.
func (c *readCache) invalidate() {
	c.mu.Lock()
	c.epoch++
	c.m = nil
	c.mu.Unlock()
}

// lookup returns owner's entry if it is fresh and holds what.
func (c *readCache) lookup(owner string, what uint8) (cachedRoster, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[owner]
	if !ok || e.read&what == 0 || c.now().Sub(e.at) > readCacheTTL {
		return cachedRoster{}, false
	}
	return e, true
}

// keep records a read that began in epoch, unless a write came since.
func (c *readCache) keep(owner string, epoch uint64, update func(*cachedRoster)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.m == nil || len(c.m) >= readCacheEntries {
		c.m = map[string]cachedRoster{}
	}
	now := c.now()
	e, ok := c.m[owner]
	if !ok || now.Sub(e.at) > readCacheTTL {
		e = cachedRoster{at: now}
	}
	update(&e)
	c.m[owner] = e
}

// cachingHost is the plugin's Host with its roster reads cached.
type cachingHost struct {
	sdk.Host
	cache *readCache
}

func (h cachingHost) Store(owner string) sdk.Store {
	return cachingStore{Store: h.Host.Store(owner), owner: owner, cache: h.cache}
}

func (h cachingHost) StoreBatch(ctx context.Context, ops []sdk.StoreOp) error {
	h.cache.invalidate()
	defer h.cache.invalidate()
	return h.Host.StoreBatch(ctx, ops)
}

// cachingStore caches the two reads a login repeats: the whole item range
// and the version. The values are shared between readers, who only ever
// decode them.
type cachingStore struct {
	sdk.Store
	owner string
	cache *readCache
}

func (s cachingStore) Scan(ctx context.Context, prefix, after string, limit int, reverse bool) ([]sdk.KV, error) {
	if prefix != itemPrefix || after != "" || limit != 0 || reverse {
		return s.Store.Scan(ctx, prefix, after, limit, reverse)
	}
	if e, ok := s.cache.lookup(s.owner, readItems); ok {
		return e.items, nil
	}
	epoch := s.cache.begin()
	kvs, err := s.Store.Scan(ctx, prefix, after, limit, reverse)
	if err == nil {
		s.cache.keep(s.owner, epoch, func(e *cachedRoster) { e.items, e.read = kvs, e.read|readItems })
	}
	return kvs, err
}

func (s cachingStore) Get(ctx context.Context, key string) ([]byte, error) {
	if key != verKey {
		return s.Store.Get(ctx, key)
	}
	if e, ok := s.cache.lookup(s.owner, readVersion); ok {
		if e.noVer {
			return nil, sdk.ErrNotFound
		}
		return e.ver, nil
	}
	epoch := s.cache.begin()
	v, err := s.Store.Get(ctx, key)
	switch {
	case err == nil:
		s.cache.keep(s.owner, epoch, func(e *cachedRoster) { e.ver, e.noVer, e.read = v, false, e.read|readVersion })
	case errors.Is(err, sdk.ErrNotFound):
		s.cache.keep(s.owner, epoch, func(e *cachedRoster) { e.ver, e.noVer, e.read = nil, true, e.read|readVersion })
	}
	return v, err
}

func (s cachingStore) Put(ctx context.Context, key string, value []byte) error {
	s.cache.invalidate()
	defer s.cache.invalidate()
	return s.Store.Put(ctx, key, value)
}

func (s cachingStore) Delete(ctx context.Context, key string) error {
	s.cache.invalidate()
	defer s.cache.invalidate()
	return s.Store.Delete(ctx, key)
}
