// Package eventqueue holds a plugin's pending events in order, for the
// goroutine that delivers them in batches.
package eventqueue

import (
	"sync"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Queue holds a plugin's pending events. It grows as needed — a
// login storm must not cost a presence plugin the end of a session —
// up to a bound that only a plugin stuck for a long time reaches.
type Queue struct {
	mu      sync.Mutex
	items   []*pluginv1.EventRequest
	dropped uint64
	wake    chan struct{}
	max     int // events held at most
}

// New returns an empty queue.
func New() *Queue { return &Queue{wake: make(chan struct{}, 1), max: maxQueuedEvents} }

// Wake is signalled after a Push: the receiver then Takes until the
// queue is empty.
func (q *Queue) Wake() <-chan struct{} { return q.wake }

// maxQueuedEvents bounds the memory a stuck plugin can cost.
const maxQueuedEvents = 1 << 20

// eventBatch is the most events one call carries.
const eventBatch = 256

// Push queues an event, or drops and counts it past the bound; it never
// blocks.
func (q *Queue) Push(ev *pluginv1.EventRequest) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		q.dropped++
	} else {
		q.items = append(q.items, ev)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Take removes up to eventBatch events, oldest first, and reports how many
// were dropped since the last take.
func (q *Queue) Take() ([]*pluginv1.EventRequest, uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.items), eventBatch)
	batch := make([]*pluginv1.EventRequest, n)
	copy(batch, q.items)
	clear(q.items[:n])
	q.items = q.items[n:]
	if len(q.items) == 0 {
		q.items = nil // let a burst's backing array go
	}
	dropped := q.dropped
	q.dropped = 0
	return batch, dropped
}

// Pending reports whether events wait to be taken.
func (q *Queue) Pending() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) > 0
}
