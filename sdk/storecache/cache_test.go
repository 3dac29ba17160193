package storecache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// counter is a load that counts its calls and answers with the key and
// the call's number.
type counter struct{ calls atomic.Int32 }

func (c *counter) load(key string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		return fmt.Sprintf("%s#%d", key, c.calls.Add(1)), nil
	}
}

func get(t *testing.T, c *Cache[string], key string, fn func(context.Context) (string, error)) string {
	t.Helper()
	v, err := c.Get(context.Background(), key, fn)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return v
}

func TestAValueIsReadOnceAndKept(t *testing.T) {
	c := New[string](Options{})
	var n counter
	if v := get(t, c, "juliet", n.load("juliet")); v != "juliet#1" {
		t.Fatalf("first read = %q", v)
	}
	if v := get(t, c, "juliet", n.load("juliet")); v != "juliet#1" {
		t.Errorf("second read = %q, want the kept juliet#1", v)
	}
}

func TestTheLeastRecentlyUsedGoesPastTheBound(t *testing.T) {
	c := New[string](Options{Size: 2})
	var n counter
	get(t, c, "a", n.load("a")) // a#1
	get(t, c, "b", n.load("b")) // b#2
	get(t, c, "a", n.load("a")) // a is used again: b is now the oldest
	get(t, c, "c", n.load("c")) // c#3 pushes b out
	if v := get(t, c, "a", n.load("a")); v != "a#1" {
		t.Errorf("a = %q, want the kept a#1", v)
	}
	if v := get(t, c, "b", n.load("b")); v != "b#4" {
		t.Errorf("b = %q, want b read again (b#4)", v)
	}
}

func TestInvalidateForgetsOneKey(t *testing.T) {
	c := New[string](Options{})
	var n counter
	get(t, c, "a", n.load("a"))
	get(t, c, "b", n.load("b"))
	c.Invalidate("a")
	if v := get(t, c, "a", n.load("a")); v != "a#3" {
		t.Errorf("a after Invalidate = %q, want it read again (a#3)", v)
	}
	if v := get(t, c, "b", n.load("b")); v != "b#2" {
		t.Errorf("b = %q, want the kept b#2", v)
	}
}

// A read that a write overlapped may hold what the write replaced: its
// caller gets it, but the next Get reads again.
func TestAReadOverlappingAWriteIsNotKept(t *testing.T) {
	c := New[string](Options{})
	v, err := c.Get(context.Background(), "a", func(context.Context) (string, error) {
		c.Invalidate("a") // the write lands while the read runs
		return "old", nil
	})
	if err != nil || v != "old" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	var n counter
	if v := get(t, c, "a", n.load("a")); v != "a#1" {
		t.Errorf("a = %q, want it read again after the write (a#1)", v)
	}
}

func TestSetReplacesAReadUnderWay(t *testing.T) {
	c := New[string](Options{})
	v, err := c.Get(context.Background(), "a", func(context.Context) (string, error) {
		c.Set("a", "new") // the writer knows the new value
		return "old", nil
	})
	if err != nil || v != "old" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	var n counter
	if v := get(t, c, "a", n.load("a")); v != "new" {
		t.Errorf("a = %q, want what Set kept", v)
	}
}

func TestClearForgetsEverything(t *testing.T) {
	c := New[string](Options{})
	var n counter
	get(t, c, "a", n.load("a"))
	get(t, c, "b", n.load("b"))
	c.Clear()
	if v := get(t, c, "a", n.load("a")); v != "a#3" {
		t.Errorf("a = %q, want it read again", v)
	}
	if v := get(t, c, "b", n.load("b")); v != "b#4" {
		t.Errorf("b = %q, want it read again", v)
	}
}

func TestAnErrorIsNotKept(t *testing.T) {
	c := New[string](Options{})
	failure := errors.New("store down")
	if _, err := c.Get(context.Background(), "a", func(context.Context) (string, error) { return "", failure }); !errors.Is(err, failure) {
		t.Fatalf("Get = %v, want the read's error", err)
	}
	var n counter
	if v := get(t, c, "a", n.load("a")); v != "a#1" {
		t.Errorf("a = %q, want it read again after the error", v)
	}
}

func TestValuesExpireAfterMaxAge(t *testing.T) {
	now := time.Unix(0, 0)
	c := New[string](Options{MaxAge: 2 * time.Second, Now: func() time.Time { return now }})
	var n counter
	get(t, c, "a", n.load("a"))
	now = now.Add(2 * time.Second)
	if v := get(t, c, "a", n.load("a")); v != "a#1" {
		t.Errorf("a at MaxAge = %q, want the kept a#1", v)
	}
	now = now.Add(time.Nanosecond)
	if v := get(t, c, "a", n.load("a")); v != "a#2" {
		t.Errorf("a past MaxAge = %q, want it read again", v)
	}
}

// Gets of a key that is being read wait for that read instead of reading
// again: a login's several reads of a roster cost one.
func TestConcurrentGetsReadOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](Options{})
		gate := make(chan struct{})
		var calls atomic.Int32
		fn := func(context.Context) (string, error) {
			calls.Add(1)
			<-gate
			return "roster", nil
		}
		const readers = 8
		got := make([]string, readers)
		var wg sync.WaitGroup
		for i := range readers {
			wg.Go(func() {
				v, err := c.Get(context.Background(), "juliet", fn)
				if err != nil {
					t.Errorf("Get: %v", err)
				}
				got[i] = v
			})
		}
		synctest.Wait() // every reader is in the read or waiting for it
		if n := calls.Load(); n != 1 {
			t.Errorf("%d reads under way for %d concurrent Gets, want 1", n, readers)
		}
		close(gate)
		wg.Wait()
		for i, v := range got {
			if v != "roster" {
				t.Errorf("reader %d got %q", i, v)
			}
		}
	})
}

// A reader whose request went away does not take the waiters' answer with
// it: they read again themselves.
func TestWaitersOutliveACancelledReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](Options{})
		first, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		var firstErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, firstErr = c.Get(first, "a", func(ctx context.Context) (string, error) {
				close(started)
				<-ctx.Done()
				return "", ctx.Err()
			})
		}()
		<-started
		var v string
		var err error
		waited := make(chan struct{})
		go func() {
			defer close(waited)
			v, err = c.Get(context.Background(), "a", func(context.Context) (string, error) { return "fresh", nil })
		}()
		synctest.Wait()
		cancel()
		<-done
		<-waited
		if !errors.Is(firstErr, context.Canceled) {
			t.Errorf("the cancelled reader got %v", firstErr)
		}
		if err != nil || v != "fresh" {
			t.Errorf("the waiter got %q, %v; want its own read", v, err)
		}
	})
}

// A read that panics does not leave its waiters hanging.
func TestAPanickingReadReleasesItsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](Options{})
		gate := make(chan struct{})
		go func() {
			defer func() { _ = recover() }()
			_, _ = c.Get(context.Background(), "a", func(context.Context) (string, error) {
				<-gate
				panic("boom")
			})
		}()
		synctest.Wait()
		errc := make(chan error)
		go func() {
			_, err := c.Get(context.Background(), "a", func(context.Context) (string, error) { return "never", nil })
			errc <- err
		}()
		synctest.Wait()
		close(gate)
		if err := <-errc; err == nil {
			t.Error("the waiter of a panicked read got no error")
		}
	})
}
