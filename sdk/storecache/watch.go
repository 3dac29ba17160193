package storecache

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Invalidator is what a write invalidates: a *Cache of any value type,
// keyed by the owner of the store its values are read from.
type Invalidator interface {
	Invalidate(owner string)
}

// Watch ties a cache keyed by owner to the store keys its values are read
// from.
type Watch struct {
	Cache Invalidator
	// Keys reports whether a key of an owner's store is part of what the
	// cache keeps for that owner; nil is every key.
	Keys func(key string) bool
}

// WatchWrites returns host with its store writes watched: once a Put,
// Delete or StoreBatch is done, whether it succeeded or not, the owner of
// every key written is invalidated in each watch whose Keys hold the key.
// A plugin passes this host, not the one Configure gave it, to everything
// that writes.
func WatchWrites(host sdk.Host, watches ...Watch) sdk.Host {
	return watchedHost{Host: host, watches: watches}
}

type watchedHost struct {
	sdk.Host
	watches []Watch
}

func (h watchedHost) Store(owner string) sdk.Store {
	return watchedStore{Store: h.Host.Store(owner), owner: owner, watches: h.watches}
}

func (h watchedHost) StoreBatch(ctx context.Context, ops []sdk.StoreOp) error {
	defer func() {
		for _, op := range ops {
			invalidate(h.watches, op.Owner, op.Key)
		}
	}()
	return h.Host.StoreBatch(ctx, ops)
}

type watchedStore struct {
	sdk.Store
	owner   string
	watches []Watch
}

func (s watchedStore) Put(ctx context.Context, key string, value []byte) error {
	defer invalidate(s.watches, s.owner, key)
	return s.Store.Put(ctx, key, value)
}

func (s watchedStore) Delete(ctx context.Context, key string) error {
	defer invalidate(s.watches, s.owner, key)
	return s.Store.Delete(ctx, key)
}

func invalidate(watches []Watch, owner, key string) {
	for _, w := range watches {
		if w.Keys == nil || w.Keys(key) {
			w.Cache.Invalidate(owner)
		}
	}
}
