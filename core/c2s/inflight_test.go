package c2s

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// probe runs inflight's jobs: each is held until released, and checks on
// starting that what it may not overtake has finished.
type probe struct {
	t        *testing.T
	wg       sync.WaitGroup
	started  chan string
	mu       sync.Mutex
	gates    map[string]chan struct{}
	done     map[string]bool
	requires map[string][]string
}

func newProbe(t *testing.T) *probe {
	return &probe{t: t, started: make(chan string, 16), gates: map[string]chan struct{}{}, done: map[string]bool{}, requires: map[string][]string{}}
}

func (p *probe) inflight(max int) *inflight {
	spawn := func(fn func(context.Context)) {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			fn(context.Background())
		}()
	}
	return newInflight(max, spawn, func(ctx context.Context, j *job) {
		if j.run != nil {
			j.run(ctx)
			return
		}
		p.job(j.el.Attr("id"))(ctx)
	})
}

// job is the work of id, which may start only after requires are done.
func (p *probe) job(id string, requires ...string) func(context.Context) {
	p.mu.Lock()
	if p.gates[id] == nil {
		p.gates[id] = make(chan struct{})
	}
	if len(requires) > 0 {
		p.requires[id] = requires
	}
	gate := p.gates[id]
	p.mu.Unlock()
	return func(context.Context) {
		p.mu.Lock()
		for _, r := range p.requires[id] {
			if !p.done[r] {
				p.t.Errorf("%s started before %s was done", id, r)
			}
		}
		p.mu.Unlock()
		p.started <- id
		<-gate
		p.mu.Lock()
		p.done[id] = true
		p.mu.Unlock()
	}
}

// expect waits for the next jobs to start, in any order.
func (p *probe) expect(ids ...string) {
	p.t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for range ids {
		select {
		case id := <-p.started:
			if !want[id] {
				p.t.Fatalf("%s started, want one of %v", id, ids)
			}
			delete(want, id)
		case <-time.After(5 * time.Second):
			p.t.Fatalf("waiting for %v to start", ids)
		}
	}
}

func (p *probe) release(id string) {
	p.mu.Lock()
	close(p.gates[id])
	p.mu.Unlock()
}

// element parses one stanza as the reader would get it.
func element(t *testing.T, s string) *stream.Element {
	t.Helper()
	d := stream.NewDecoder(strings.NewReader("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"+s), stream.Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	el, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// TestInflightOrder: stanzas with the same key run in order, different
// keys side by side; a barrier waits for everything before it and
// everything after waits for it; h stops short of the oldest stanza still
// held; the session's end waits for the last.
func TestInflightOrder(t *testing.T) {
	p := newProbe(t)
	f := p.inflight(8)
	f.hand(p.job("A"), "x", false, true, 1, true)
	f.hand(p.job("B"), "y", false, true, 2, true)
	p.expect("A", "B")

	p.job("C", "A")
	if got := f.admit(element(t, "<iq id='C'/>"), "x", false, true, 3, true); got != queued {
		t.Fatalf("a stanza behind one with its key: admission %d, want queued", got)
	}
	if got := f.admit(element(t, "<iq id='D'/>"), "w", false, true, 4, true); got != routeNow {
		t.Fatalf("a stanza with a key of its own: admission %d, want routeNow", got)
	}
	p.job("E", "A", "B", "C")
	if got := f.admit(element(t, "<iq id='E'/>"), "v", true, true, 5, true); got != queued {
		t.Fatalf("a barrier: admission %d, want queued", got)
	}
	p.job("F", "E")
	if got := f.admit(element(t, "<iq id='F'/>"), "z", false, true, 6, true); got != queued {
		t.Fatalf("a stanza after a barrier: admission %d, want queued", got)
	}
	if h := f.handled(6); h != 0 {
		t.Errorf("h = %d with the first stanza held, want 0", h)
	}
	ended := make(chan struct{})
	f.whenIdle(func() { close(ended) })

	p.release("B")
	p.release("A")
	p.expect("C")
	// B's worker may still be letting go of B.
	deadline := time.Now().Add(5 * time.Second)
	for f.handled(6) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("h = %d with A and B done and C held, want 2", f.handled(6))
		}
		time.Sleep(time.Millisecond)
	}
	p.release("C")
	p.expect("E")
	p.release("E")
	p.expect("F")
	select {
	case <-ended:
		t.Fatal("the end ran with F still held")
	default:
	}
	p.release("F")
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the end never ran")
	}
	p.wg.Wait()
	if f.active() || f.handled(6) != 6 {
		t.Errorf("after the last stanza: active %v, h %d", f.active(), f.handled(6))
	}
}

// TestInflightBound: past max, a request is refused and anything else
// waits for room.
func TestInflightBound(t *testing.T) {
	p := newProbe(t)
	f := p.inflight(2)
	f.hand(p.job("A"), "x", false, true, 0, false)
	p.expect("A")
	if got := f.admit(element(t, "<iq id='B'/>"), "x", false, true, 0, false); got != queued {
		t.Fatalf("second stanza: admission %d, want queued", got)
	}
	if got := f.admit(element(t, "<iq id='C'/>"), "x", false, true, 0, false); got != refused {
		t.Fatalf("a request past the bound: admission %d, want refused", got)
	}
	if f.hand(p.job("D"), "y", false, true, 0, false) {
		t.Fatal("a request past the bound was handed off")
	}
	admitted := make(chan admission)
	go func() { admitted <- f.admit(element(t, "<message id='E'/>"), "x", false, false, 0, false) }()
	select {
	case got := <-admitted:
		t.Fatalf("a message past the bound was admitted (%d) without waiting", got)
	default:
	}
	p.release("A")
	p.expect("B")
	if got := <-admitted; got != queued {
		t.Fatalf("the waiting message: admission %d, want queued", got)
	}
	p.release("B")
	p.expect("E")
	p.release("E")
	p.wg.Wait()
}
