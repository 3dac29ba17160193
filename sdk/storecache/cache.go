// Package storecache is a read cache for what a plugin keeps in its own
// store and reads far more often than it writes (a roster at every login,
// archiving preferences at every message). The rule that keeps it right
// is written here once: the plugin is the only writer of its store, every
// write goes through the plugin, and every write invalidates what it
// touched (WatchWrites), so a value is never kept across a write. A read
// that was under way while a write happened may have read what the write
// replaced: its callers get it, as they would have without a cache, but
// it is not kept. Concurrent reads of one key load it once. Nothing
// survives the plugin's process: a restarted plugin starts empty.
package storecache

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultSize is the number of keys a Cache keeps when Options.Size is 0.
const DefaultSize = 4096

// Options shape a Cache.
type Options struct {
	// Size bounds the keys kept; past it the least recently used goes.
	// 0 is DefaultSize.
	Size int
	// MaxAge, when set, is how long a value is kept: for data that
	// something besides the plugin may change (the core deletes an
	// account's rows), and to keep only what is being used right now.
	MaxAge time.Duration
	// Now is the clock MaxAge is measured with; nil is time.Now.
	Now func() time.Time
}

// Cache keeps values of type V by key (usually the owner of the store
// they were read from). It is safe for concurrent use.
type Cache[V any] struct {
	mu      sync.Mutex
	size    int
	maxAge  time.Duration
	now     func() time.Time
	lru     *list.List // of *entry[V], most recently used first
	entries map[string]*list.Element
	loads   map[string]*load[V]
}

type entry[V any] struct {
	key string
	v   V
	at  time.Time
}

// load is a read under way; the callers that asked meanwhile wait for it.
type load[V any] struct {
	done  chan struct{}
	v     V
	err   error
	stale bool // a write came while it ran: its value is not kept
}

// New returns an empty cache.
func New[V any](o Options) *Cache[V] {
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Cache[V]{
		size:    o.Size,
		maxAge:  o.MaxAge,
		now:     o.Now,
		lru:     list.New(),
		entries: map[string]*list.Element{},
		loads:   map[string]*load[V]{},
	}
}

// Get returns key's value: kept, or read by fn. While fn runs, other Gets
// of key wait for it and share its answer instead of reading again. An
// error is returned, never kept. A waiter whose own context is still live
// when the reader's was cancelled reads again itself.
func (c *Cache[V]) Get(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	for {
		c.mu.Lock()
		if v, ok := c.lookup(key); ok {
			c.mu.Unlock()
			return v, nil
		}
		l, waiting := c.loads[key]
		if !waiting {
			l = &load[V]{done: make(chan struct{})}
			c.loads[key] = l
			c.mu.Unlock()
			return c.run(ctx, key, l, fn)
		}
		c.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if isContextErr(l.err) && ctx.Err() == nil {
			continue // the reader's request went away, not this one
		}
		return l.v, l.err
	}
}

// run reads key with fn for every caller waiting on l.
func (c *Cache[V]) run(ctx context.Context, key string, l *load[V], fn func(context.Context) (V, error)) (v V, err error) {
	finished := false
	defer func() {
		if !finished {
			// fn panicked, in this caller's goroutine: the waiters must
			// not hang.
			err = errors.New("reading " + key + " for the cache: the read panicked")
		}
		c.mu.Lock()
		if c.loads[key] == l {
			delete(c.loads, key)
		}
		if finished && err == nil && !l.stale {
			c.keep(key, v)
		}
		l.v, l.err = v, err
		c.mu.Unlock()
		close(l.done)
	}()
	v, err = fn(ctx)
	finished = true
	return v, err
}

// Set keeps v as key's value: what the caller has just written and knows
// to be current. A read of key under way is not kept.
func (c *Cache[V]) Set(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLoad(key)
	c.keep(key, v)
}

// Invalidate forgets key's value, and that of any read of it under way.
// Call it once a write of what key's value was read from is done (or has
// failed: it may have happened all the same).
func (c *Cache[V]) Invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLoad(key)
	if el, ok := c.entries[key]; ok {
		c.lru.Remove(el)
		delete(c.entries, key)
	}
}

// Clear forgets everything.
func (c *Cache[V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key := range c.loads {
		c.forgetLoad(key)
	}
	c.lru.Init()
	clear(c.entries)
}

// lookup returns key's value if it is kept and fresh; c.mu is held.
func (c *Cache[V]) lookup(key string) (V, bool) {
	el, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*entry[V])
	if c.maxAge > 0 && c.now().Sub(e.at) > c.maxAge {
		c.lru.Remove(el)
		delete(c.entries, key)
		var zero V
		return zero, false
	}
	c.lru.MoveToFront(el)
	return e.v, true
}

// keep stores key's value, dropping the least recently used past the
// bound; c.mu is held.
func (c *Cache[V]) keep(key string, v V) {
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*entry[V])
		e.v, e.at = v, c.now()
		c.lru.MoveToFront(el)
		return
	}
	c.entries[key] = c.lru.PushFront(&entry[V]{key: key, v: v, at: c.now()})
	for c.lru.Len() > c.size {
		oldest := c.lru.Back()
		c.lru.Remove(oldest)
		delete(c.entries, oldest.Value.(*entry[V]).key)
	}
}

// forgetLoad marks a read of key under way as not to be kept, and lets
// the next Get read again; c.mu is held.
func (c *Cache[V]) forgetLoad(key string) {
	if l, ok := c.loads[key]; ok {
		l.stale = true
		delete(c.loads, key)
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
