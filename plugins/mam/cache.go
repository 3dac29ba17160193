package mam

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/storecache"
)

// ownersKept bounds the accounts remembered by each cache; past it the
// least recently used is forgotten, which costs a read per account seen
// again.
const ownersKept = 10000

// ownerCache remembers, per account, what Observe would otherwise read for
// every batch: the preferences; whether the account is already listed in
// the server-wide owner index; and the time of its last message. The
// plugin is the only writer of all three, and a set of the preferences
// through the plugin's host forgets them (storecache.WatchWrites). It is
// empty after a restart.
type ownerCache struct {
	prefs *storecache.Cache[*prefs]
	// listed holds the accounts entered in the owner index: "reading" one
	// enters it, once.
	listed *storecache.Cache[struct{}]
	last   *storecache.Cache[int64] // the <nanos> of the last message archived
}

func newOwnerCache() ownerCache {
	o := storecache.Options{Size: ownersKept}
	return ownerCache{
		prefs:  storecache.New[*prefs](o),
		listed: storecache.New[struct{}](o),
		last:   storecache.New[int64](o),
	}
}

// watch returns host with a write of an account's preferences forgetting
// them.
func (c ownerCache) watch(host sdk.Host) sdk.Host {
	return storecache.WatchWrites(host, storecache.Watch{Cache: c.prefs, Keys: func(k string) bool { return k == prefsKey }})
}

// lastOf is the <nanos> of owner's last archived message: remembered, or
// read from the archive after a restart or once the cache forgot the
// account.
func (c ownerCache) lastOf(ctx context.Context, st sdk.Store, owner string) (int64, error) {
	return c.last.Get(ctx, owner, archive{st}.last)
}

// next turns the time of a message of owner (its id's, or when the core
// routed it) into the <nanos> of its key: strictly increasing in the
// order owner's messages arrive, and after last (lastOf), so that two
// messages of the same nanosecond, or a wall clock that steps back, still
// keep the order in which the core routed them. Only Observe calls it,
// one batch at a time.
func (c ownerCache) next(owner string, nanos, last int64) int64 {
	n := max(nanos, last+1)
	c.last.Set(owner, n)
	return n
}

// forget drops all three, for a deleted account.
func (c ownerCache) forget(owner string) {
	c.prefs.Invalidate(owner)
	c.listed.Invalidate(owner)
	c.last.Invalidate(owner)
}
