package c2s

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// inflight is what a session's reader has handed off: stanzas waiting for
// a plugin, and the stanzas sent after them that may not overtake them.
// The reader goes on reading, so a slow plugin holds up only what must
// wait for it, and what must wait is decided here, by the rule of
// docs/ARCHITECTURE.md ("Stanzas that wait for a plugin"):
//
//   - a stanza has a key, the entity it is addressed to (orderOf); stanzas
//     with the same key are processed in the order they were sent, those
//     with different keys need not wait for each other;
//   - a barrier (a request that changes the sender's own state) waits for
//     everything sent before it, and everything sent after it waits for
//     it (RFC 6120 §10.1: processing that may affect what follows
//     suspends what follows).
//
// So the work is a sequence of phases: a parallel phase holds one lane per
// key, each a queue worked by its own goroutine; a barrier phase holds the
// barriers sent in a row, worked one at a time. Only the first phase runs.
// A worker is started when its lane gets work in the running phase and
// exits when the lane is empty, as the outbox's flusher does: a session
// with nothing in flight has no goroutine here, and its reader pays one
// atomic load per stanza to learn it.
type inflight struct {
	max   int                               // stanzas held at once
	spawn func(func(context.Context))       // starts a worker
	run   func(ctx context.Context, j *job) // processes one stanza

	busy atomic.Bool // phases is not empty; the reader reads it unlocked

	mu     sync.Mutex
	change sync.Cond // signalled when a stanza is released, and when the work is done
	phases []*phase  // phases[0] runs
	held   int       // stanzas running or waiting
	// counted are the stream-management numbers of the held stanzas,
	// oldest first: the client's h stops short of the first (XEP-0198:
	// a stanza is handled once processed, not when it is read).
	counted []uint32
	onIdle  func() // run once when nothing is held any more
}

// phase is a set of lanes that run side by side, or, for a barrier phase,
// a single lane.
type phase struct {
	barrier bool
	lanes   map[string]*lane
}

// lane is the queue of one key in a phase; jobs[0] runs once its phase
// does.
type lane struct {
	key  string
	jobs []job
}

// job is one stanza handed off the reader.
type job struct {
	el      *stream.Element       // to route from the start: it waited its turn; or
	run     func(context.Context) // the rest of its routing, from its plugin call on
	seq     uint32                // its stream-management number, when counted
	counted bool
}

func newInflight(max int, spawn func(func(context.Context)), run func(context.Context, *job)) *inflight {
	f := &inflight{max: max, spawn: spawn, run: run}
	f.change.L = &f.mu
	return f
}

// active reports whether anything is held. Only the reader adds work, so
// when it sees false nothing can be ahead of its next stanza.
func (f *inflight) active() bool { return f.busy.Load() }

// admission is what the reader does with a stanza while work is held.
type admission uint8

const (
	routeNow admission = iota // nothing it must wait for: route it
	queued                    // it waits its turn here
	refused                   // an IQ request past the bound: resource-constraint
)

// admit decides about a stanza the reader is about to route: key and
// barrier are its orderOf, request whether it is an IQ get or set. A
// stanza that must wait is copied and queued; past the bound, a request is
// refused, and anything else — which could not be answered with an error
// that a client acts on — waits for room, slowing its reader as TCP would.
func (f *inflight) admit(el *stream.Element, key string, barrier, request bool, seq uint32, counted bool) admission {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mayRouteNow(key, barrier) {
		return routeNow
	}
	if !f.makeRoom(request) {
		return refused
	}
	f.place(job{el: el.Copy(), seq: seq, counted: counted}, key, barrier)
	return queued
}

// hand takes the rest of a stanza's routing from the router, which found
// that it needs a plugin; it reports false for a request past the bound.
func (f *inflight) hand(run func(context.Context), key string, barrier, request bool, seq uint32, counted bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.makeRoom(request) {
		return false
	}
	f.place(job{run: run, seq: seq, counted: counted}, key, barrier)
	return true
}

// mayRouteNow reports whether a stanza can be routed on the reader: it is
// not a barrier, no barrier is held, and nothing with its key is.
func (f *inflight) mayRouteNow(key string, barrier bool) bool {
	switch {
	case len(f.phases) == 0:
		return true
	case barrier || len(f.phases) > 1 || f.phases[0].barrier:
		return false
	}
	return f.phases[0].lanes[key] == nil
}

// makeRoom waits, f.mu held, until fewer than max stanzas are held; a
// request does not wait.
func (f *inflight) makeRoom(request bool) bool {
	for f.held >= f.max {
		if request {
			return false
		}
		f.change.Wait()
	}
	return true
}

// place queues j in the last phase of its kind, after everything it must
// not overtake, and starts a worker when it lands in the running phase on
// a lane of its own.
func (f *inflight) place(j job, key string, barrier bool) {
	f.held++
	f.busy.Store(true)
	if j.counted {
		f.counted = append(f.counted, j.seq)
	}
	var ph *phase
	if n := len(f.phases); n > 0 && f.phases[n-1].barrier == barrier {
		ph = f.phases[n-1]
	} else {
		ph = &phase{barrier: barrier, lanes: map[string]*lane{}}
		f.phases = append(f.phases, ph)
	}
	if barrier {
		key = "" // barriers in a row run one after the other
	}
	l := ph.lanes[key]
	if l != nil {
		l.jobs = append(l.jobs, j)
		return
	}
	l = &lane{key: key, jobs: []job{j}}
	ph.lanes[key] = l
	if ph == f.phases[0] {
		f.start(l)
	}
}

func (f *inflight) start(l *lane) {
	f.spawn(func(ctx context.Context) { f.work(ctx, l) })
}

// work processes a lane of the running phase until it is empty.
func (f *inflight) work(ctx context.Context, l *lane) {
	for {
		f.mu.Lock()
		j := l.jobs[0]
		f.mu.Unlock()
		f.run(ctx, &j)
		f.mu.Lock()
		l.jobs[0] = job{}
		l.jobs = l.jobs[1:]
		f.release(j)
		if len(l.jobs) > 0 {
			f.mu.Unlock()
			continue
		}
		idle := f.closeLane(l)
		f.mu.Unlock()
		if idle != nil {
			idle()
		}
		return
	}
}

// release forgets a processed stanza, f.mu held.
func (f *inflight) release(j job) {
	f.held--
	if j.counted {
		if i := slices.Index(f.counted, j.seq); i >= 0 {
			f.counted = slices.Delete(f.counted, i, i+1)
		}
	}
	f.change.Broadcast()
}

// closeLane removes an emptied lane from the running phase, f.mu held.
// The last lane of a phase starts the next one; when there is none, it
// returns what was waiting for the work to be done.
func (f *inflight) closeLane(l *lane) func() {
	ph := f.phases[0]
	delete(ph.lanes, l.key)
	if len(ph.lanes) > 0 {
		return nil
	}
	f.phases[0] = nil
	f.phases = f.phases[1:]
	if len(f.phases) > 0 {
		for _, next := range f.phases[0].lanes {
			f.start(next)
		}
		return nil
	}
	f.phases = nil
	f.busy.Store(false)
	f.change.Broadcast()
	idle := f.onIdle
	f.onIdle = nil
	return idle
}

// handled is the h of stream management: inbound, the stanzas counted
// since it was enabled, less those still held and everything after the
// first of them.
func (f *inflight) handled(inbound uint32) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.counted) > 0 {
		return f.counted[0] - 1
	}
	return inbound
}

// whenIdle runs fn once nothing is held: now, or on the worker that
// finishes the last stanza.
func (f *inflight) whenIdle(fn func()) {
	f.mu.Lock()
	if len(f.phases) > 0 {
		f.onIdle = fn
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	fn()
}

// wait returns once nothing is held. Every held stanza ends within its
// plugin calls' timeouts, so the wait is bounded.
func (f *inflight) wait() {
	f.mu.Lock()
	for len(f.phases) > 0 {
		f.change.Wait()
	}
	f.mu.Unlock()
}
