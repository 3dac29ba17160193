package offline

import "sync"

// emptyLimit bounds the accounts remembered as having an empty queue; past
// it the memory starts over, which costs one look per account seen again.
const emptyLimit = 100_000

// emptyQueues remembers the accounts whose queue was last seen empty, so
// that a login need not look again: that look, a scan through the core at
// every login, was one of the half-dozen calls a login made. Every message
// stored makes its account's queue not known to be empty, both before and
// after the write; epoch moves on with each, and a look that overlapped a
// write does not count, so a queue is never taken for empty while a
// message is in it. After a restart nothing is remembered and every first
// login looks.
type emptyQueues struct {
	mu    sync.Mutex
	epoch uint64
	known map[string]bool
}

// begin returns the epoch a look starts in.
func (e *emptyQueues) begin() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.epoch
}

// saw records that owner's queue was empty when a look that began in
// epoch read it, unless a message was stored since.
func (e *emptyQueues) saw(owner string, epoch uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if epoch != e.epoch {
		return
	}
	if e.known == nil || len(e.known) >= emptyLimit {
		e.known = map[string]bool{}
	}
	e.known[owner] = true
}

// isEmpty reports whether owner's queue is known to be empty.
func (e *emptyQueues) isEmpty(owner string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.known[owner]
}

// storing forgets that owner's queue was empty: called before and after a
// message is written to it.
func (e *emptyQueues) storing(owner string) {
	e.mu.Lock()
	e.epoch++
	delete(e.known, owner)
	e.mu.Unlock()
}
