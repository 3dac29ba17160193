package roster

import (
	"slices"
	"sync"
)

// keyLocks serialises work per key (an owner's bare JID) without one lock
// for the whole server. An operation that writes two rosters — a
// subscription changes both sides — locks both, in sorted order, so two
// such operations cannot wait on each other.
type keyLocks struct {
	mu   sync.Mutex
	held map[string]*keyLock
}

type keyLock struct {
	mu    sync.Mutex
	users int // holders and waiters; the entry goes when it drops to 0
}

// lock locks every key and returns the function that unlocks them.
func (k *keyLocks) lock(keys ...string) (unlock func()) {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	locks := make([]*keyLock, len(keys))
	k.mu.Lock()
	if k.held == nil {
		k.held = map[string]*keyLock{}
	}
	for i, key := range keys {
		l := k.held[key]
		if l == nil {
			l = &keyLock{}
			k.held[key] = l
		}
		l.users++
		locks[i] = l
	}
	k.mu.Unlock()
	for _, l := range locks {
		l.mu.Lock()
	}
	return func() {
		for i := len(locks) - 1; i >= 0; i-- {
			locks[i].mu.Unlock()
		}
		k.mu.Lock()
		for i, key := range keys {
			if locks[i].users--; locks[i].users == 0 {
				delete(k.held, key)
			}
		}
		k.mu.Unlock()
	}
}
