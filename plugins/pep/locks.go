package pep

import (
	"hash/fnv"
	"sync"
)

// ownerLocks serialise the changes to one account's nodes (publish,
// retract, configure, delete, purge, subscribe), so that each reads and
// writes its node's record without another change in between. Accounts
// share a fixed set of mutexes by hash: bounded memory, and two accounts
// rarely wait for each other.
type ownerLocks struct {
	mu [64]sync.Mutex
}

func (l *ownerLocks) lock(owner string) func() {
	h := fnv.New32a()
	h.Write([]byte(owner))
	m := &l.mu[h.Sum32()%uint32(len(l.mu))]
	m.Lock()
	return m.Unlock
}
