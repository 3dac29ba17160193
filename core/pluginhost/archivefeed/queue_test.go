package archivefeed

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// memObserver is an observer plugin in memory: it keeps the batches it
// is handed, and can be held up or stopped.
type memObserver struct {
	mu      sync.Mutex
	batches []*pluginv1.ObserveRequest
	stopped bool
	hold    chan struct{} // when set, each Observe waits for it to close
	called  chan struct{} // when set, each Observe says it was called
}

func (o *memObserver) Running() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.stopped
}

func (o *memObserver) Observe(ctx context.Context, req *pluginv1.ObserveRequest) error {
	o.mu.Lock()
	hold, called := o.hold, o.called
	o.mu.Unlock()
	if called != nil {
		called <- struct{}{}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// The queue reuses the batch once Observe returns, as a gRPC call
	// would have sent it by then.
	kept := &pluginv1.ObserveRequest{Dropped: req.GetDropped(), Messages: slices.Clone(req.GetMessages())}
	o.mu.Lock()
	o.batches = append(o.batches, kept)
	o.mu.Unlock()
	return nil
}

// messages lists the stanza-ids handed over, in order, and the drops
// reported.
func (o *memObserver) messages() (ids []string, dropped uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, b := range o.batches {
		dropped += b.GetDropped()
		for _, m := range b.GetMessages() {
			ids = append(ids, m.GetStanzaId())
		}
	}
	return ids, dropped
}

func start(t *testing.T, cfg Config, obs Observer) *Queue {
	t.Helper()
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	done := make(chan struct{})
	q := New(cfg, obs, hclog.NewNullLogger(), done)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		q.Run(context.Background())
	}()
	t.Cleanup(func() {
		close(done)
		<-ran
	})
	return q
}

func message(i int) *pluginv1.ObservedMessage {
	return &pluginv1.ObservedMessage{Owner: "alice@localhost", StanzaId: fmt.Sprint(i), Stanza: []byte("<message/>")}
}

// TestCatchUpHandsOverEverythingOffered: once CatchUp returns, the
// observer has every copy offered before, in order, without waiting for
// a batch to fill.
func TestCatchUpHandsOverEverythingOffered(t *testing.T) {
	obs := &memObserver{}
	q := start(t, Config{}, obs)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q.CatchUp(ctx) // nothing offered: returns at once
	for i := range 100 {
		q.Offer(message(i))
	}
	q.CatchUp(ctx)
	if ctx.Err() != nil {
		t.Fatal("CatchUp waited past its deadline")
	}
	ids, dropped := obs.messages()
	if len(ids) != 100 || dropped != 0 {
		t.Fatalf("handed over %d copies (%d dropped), want 100 and none dropped", len(ids), dropped)
	}
	for i, id := range ids {
		if id != fmt.Sprint(i) {
			t.Fatalf("copy %d is %s: out of order", i, id)
		}
	}
}

// TestFullQueueDropsAndSaysSo: with no wait allowed, a copy offered to a
// full queue is dropped, and the next batch tells the observer how many
// were.
func TestFullQueueDropsAndSaysSo(t *testing.T) {
	hold, called := make(chan struct{}), make(chan struct{}, 1)
	obs := &memObserver{hold: hold, called: called}
	q := start(t, Config{Queue: 4}, obs)
	// The first copy goes out in a call that does not return yet; then
	// the queue fills.
	q.Offer(message(0))
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("the first copy never went out")
	}
	for i := 1; i <= 6; i++ {
		q.Offer(message(i))
	}
	close(hold)
	obs.mu.Lock()
	obs.called = nil
	obs.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q.CatchUp(ctx)
	ids, dropped := obs.messages()
	if len(ids) != 5 || dropped != 2 {
		t.Fatalf("handed over %v with %d reported dropped; want 5 copies and 2 dropped", ids, dropped)
	}
}

// TestStoppedObserverGetsNoBatch: a batch for an observer that is not
// running is dropped, not sent.
func TestStoppedObserverGetsNoBatch(t *testing.T) {
	obs := &memObserver{stopped: true}
	q := start(t, Config{}, obs)
	q.Offer(message(0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q.CatchUp(ctx)
	if ids, _ := obs.messages(); len(ids) != 0 {
		t.Fatalf("a stopped observer got %v", ids)
	}
	if q.pending.Load() != 0 {
		t.Fatalf("%d copies still pending", q.pending.Load())
	}
}
