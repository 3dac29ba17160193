package session

import (
	"errors"
	"hash/maphash"
	"sync"
)

// ErrTooManyResources is returned by Add when an account is at its limit.
var ErrTooManyResources = errors.New("too many resources bound for this account")

const shardCount = 64

// Table maps bare JIDs to their sessions. Lookups take a shard's read lock
// and return an immutable slice: writers replace the slice rather than
// modify it, so a reader may range over what it got without holding a lock.
type Table struct {
	seed   maphash.Seed
	shards [shardCount]shard
}

type shard struct {
	mu    sync.RWMutex
	users map[string][]*Session
}

// NewTable returns an empty table.
func NewTable() *Table {
	t := &Table{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].users = make(map[string][]*Session)
	}
	return t
}

func (t *Table) shard(bare string) *shard {
	return &t.shards[maphash.String(t.seed, bare)%shardCount]
}

// Add binds s. A session already bound to the same full JID is replaced and
// returned, for the caller to close with a conflict stream error (RFC 6120
// §7.7.2.2). max limits the sessions per account; 0 means no limit.
func (t *Table) Add(s *Session, max int) (replaced *Session, err error) {
	sh := t.shard(s.Bare)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.users[s.Bare]
	next := make([]*Session, 0, len(old)+1)
	for _, o := range old {
		if o.Full == s.Full {
			replaced = o
			continue
		}
		next = append(next, o)
	}
	if max > 0 && len(next) >= max {
		return nil, ErrTooManyResources
	}
	sh.users[s.Bare] = append(next, s)
	return replaced, nil
}

// Remove unbinds s if it is still bound; it reports whether it was. A
// session replaced by a newer one on the same resource is no longer bound,
// so its late removal leaves the newer one alone.
func (t *Table) Remove(s *Session) bool {
	sh := t.shard(s.Bare)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.users[s.Bare]
	for i, o := range old {
		if o != s {
			continue
		}
		if len(old) == 1 {
			delete(sh.users, s.Bare)
			return true
		}
		next := make([]*Session, 0, len(old)-1)
		next = append(next, old[:i]...)
		sh.users[s.Bare] = append(next, old[i+1:]...)
		return true
	}
	return false
}

// Resources returns the sessions bound for a bare JID. The slice must not be
// modified.
func (t *Table) Resources(bare string) []*Session {
	sh := t.shard(bare)
	sh.mu.RLock()
	r := sh.users[bare]
	sh.mu.RUnlock()
	return r
}

// Lookup returns the session bound to a full JID, or nil.
func (t *Table) Lookup(bare, resource string) *Session {
	for _, s := range t.Resources(bare) {
		if s.JID.Resource == resource {
			return s
		}
	}
	return nil
}

// Len returns the number of bound sessions.
func (t *Table) Len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.RLock()
		for _, r := range sh.users {
			n += len(r)
		}
		sh.mu.RUnlock()
	}
	return n
}

// All returns every bound session, for shutdown and administration.
func (t *Table) All() []*Session {
	var all []*Session
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.RLock()
		for _, r := range sh.users {
			all = append(all, r...)
		}
		sh.mu.RUnlock()
	}
	return all
}
