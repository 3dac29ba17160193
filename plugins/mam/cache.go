package mam

import "sync"

// ownerCacheSize bounds what is remembered of accounts; past it the cache
// starts over, which costs a Get and a Put per account seen again.
const ownerCacheSize = 10000

// ownerCache remembers, per account, what Observe would otherwise read for
// every batch: the preferences, and whether the account is already listed
// in the server-wide owner index; and the time of its last message. The plugin is the only writer of both,
// so the cache is never stale; it is empty after a restart.
type ownerCache struct {
	mu sync.Mutex
	m  map[string]*ownerState
}

type ownerState struct {
	prefs  *prefs // nil until read
	listed bool   // owner/<bare> is in the server-wide store
	last   int64  // the <nanos> of the last message archived
	known  bool   // last has been read from the archive
}

// state returns owner's entry, creating it; c.mu is held.
func (c *ownerCache) state(owner string) *ownerState {
	if c.m == nil || len(c.m) >= ownerCacheSize {
		c.m = map[string]*ownerState{}
	}
	s := c.m[owner]
	if s == nil {
		s = &ownerState{}
		c.m[owner] = s
	}
	return s
}

func (c *ownerCache) prefs(owner string) *prefs {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state(owner).prefs
}

// keepPrefs caches preferences read from storage unless a set has cached
// newer ones meanwhile, and returns those in force.
func (c *ownerCache) keepPrefs(owner string, p *prefs) *prefs {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state(owner)
	if s.prefs == nil {
		s.prefs = p
	}
	return s.prefs
}

// setPrefs caches preferences the user has just set.
func (c *ownerCache) setPrefs(owner string, p *prefs) {
	c.mu.Lock()
	c.state(owner).prefs = p
	c.mu.Unlock()
}

func (c *ownerCache) listed(owner string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state(owner).listed
}

func (c *ownerCache) setListed(owner string) {
	c.mu.Lock()
	c.state(owner).listed = true
	c.mu.Unlock()
}

func (c *ownerCache) forget(owner string) {
	c.mu.Lock()
	delete(c.m, owner)
	c.mu.Unlock()
}

// lastOf is the <nanos> of owner's last archived message, and whether the
// cache knows it.
func (c *ownerCache) lastOf(owner string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state(owner)
	return s.last, s.known
}

// next turns the time of a message of owner (its id's, or when the core
// routed it) into the <nanos> of its key: strictly increasing in the
// order owner's messages arrive, and after floor, the last one archived
// before (lastOf, or read from the archive when the cache does not know
// it), so that two messages of the same nanosecond, or a wall clock that
// steps back, still keep the order in which the core routed them. Only
// Observe calls it, one batch at a time.
func (c *ownerCache) next(owner string, nanos, floor int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state(owner)
	n := max(nanos, s.last+1, floor+1)
	s.last, s.known = n, true
	return n
}
