package archivefeed

import (
	"context"
	"sync"
)

// Expectations count, per account, the archive copies the router has
// promised and not yet recorded: a message on its way to offline storage
// is archived for its recipient only once storage took it, and the
// recipient may already have the stored copy (at its next login) and
// query its archive before the router gets to record it. The zero value
// is ready to use.
type Expectations struct {
	mu sync.Mutex
	m  map[string]*expected
}

type expected struct {
	n    int
	done chan struct{} // closed when n drops to zero
}

// Expect says a copy for owner is coming; the returned func says it has
// been recorded or will not be, and counts once however often it is
// called.
func (x *Expectations) Expect(owner string) func() {
	x.mu.Lock()
	if x.m == nil {
		x.m = map[string]*expected{}
	}
	e := x.m[owner]
	if e == nil {
		e = &expected{done: make(chan struct{})}
		x.m[owner] = e
	}
	e.n++
	x.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			x.mu.Lock()
			defer x.mu.Unlock()
			if e.n--; e.n == 0 {
				close(e.done)
				delete(x.m, owner)
			}
		})
	}
}

// Wait returns once no copy promised for owner is outstanding, or when
// ctx ends.
func (x *Expectations) Wait(ctx context.Context, owner string) {
	x.mu.Lock()
	e := x.m[owner]
	x.mu.Unlock()
	if e == nil {
		return
	}
	select {
	case <-e.done:
	case <-ctx.Done():
	}
}
