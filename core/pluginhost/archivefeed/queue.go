// Package archivefeed carries the copies of archived messages to the
// plugins that observe them (Manifest.observes_messages): a queue per
// observer, handed over in batches, asynchronously, so that delivery
// never waits for the archive (docs/ARCHITECTURE.md, rule 1); and the
// copies promised and not yet recorded, which a query from their owner
// waits for.
package archivefeed

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Batching of observed messages: a batch goes out when it is full or when
// its first message has waited this long, whichever comes first. Under
// load the batches are full, and their size is the archive's rate: mam
// writes a batch in one SQLite transaction, which rewrites a page per
// account however few of its messages the batch holds (the sizes and what
// they measured: docs/PERFORMANCE.md).
const (
	batchSize  = 16384
	batchBytes = pluginv1.ObserveBatchBytes
	batchWait  = 20 * time.Millisecond
	// DefaultQueue is the queue per observer when Config names none; past
	// it Offer waits (Config.Wait), then drops and counts. Two batches:
	// one filling while the plugin stores the other.
	DefaultQueue = 2 * batchSize
)

// Config is how a queue behaves.
type Config struct {
	// Queue is the number of messages queued (default DefaultQueue).
	Queue int
	// Wait is how long Offer may wait for room in a full queue before the
	// copy is dropped: the sender's stream is read no faster than the
	// archive keeps up. 0 never waits.
	Wait time.Duration
	// CallTimeout bounds each Observe call, and how long CatchUp waits.
	CallTimeout time.Duration
}

// Observer is the plugin that takes the batches.
type Observer interface {
	// Running reports whether the plugin can take a batch now.
	Running() bool
	// Observe hands the plugin a batch, which it may not keep past its
	// return: the queue reuses it.
	Observe(ctx context.Context, req *pluginv1.ObserveRequest) error
}

// Queue is one observer's queue.
type Queue struct {
	cfg  Config
	obs  Observer
	log  hclog.Logger
	done <-chan struct{} // closed when the plugin is gone for good

	ch            chan *pluginv1.ObservedMessage
	pending       atomic.Int64 // queued and not yet handed over
	catchUps      chan chan struct{}
	dropped       atomic.Uint64
	backpressured atomic.Uint64 // copies that had to wait for room
}

// New returns a queue for obs, whose Run ends when done is closed.
func New(cfg Config, obs Observer, log hclog.Logger, done <-chan struct{}) *Queue {
	n := cfg.Queue
	if n <= 0 {
		n = DefaultQueue
	}
	return &Queue{cfg: cfg, obs: obs, log: log, done: done, ch: make(chan *pluginv1.ObservedMessage, n), catchUps: make(chan chan struct{})}
}

// observedSize is what a message adds to a batch on the wire.
func observedSize(m *pluginv1.ObservedMessage) int {
	return len(m.Stanza) + len(m.Owner) + len(m.With) + len(m.StanzaId) + 32
}

// Offer queues a copy. Delivery never waits for the archive to store it,
// but when the observer has fallen a whole queue behind, Offer waits (up
// to Config.Wait) for room: the sender's stream, whose goroutine calls
// it, is then read only as fast as the archive writes, as TCP pushes back
// on a fast sender. Dropping instead kept the message rate up by losing
// most of the archive under load.
func (q *Queue) Offer(m *pluginv1.ObservedMessage) {
	q.pending.Add(1)
	select {
	case q.ch <- m:
		return
	default:
	}
	if !q.wait(m) {
		q.pending.Add(-1)
		q.dropped.Add(1)
	}
}

// wait queues m once the queue has room, giving up after Config.Wait or
// when the plugin is gone for good.
func (q *Queue) wait(m *pluginv1.ObservedMessage) bool {
	if q.cfg.Wait <= 0 {
		return false
	}
	q.backpressured.Add(1)
	t := time.NewTimer(q.cfg.Wait)
	defer t.Stop()
	select {
	case q.ch <- m:
		return true
	case <-t.C:
		return false
	case <-q.done:
		return false
	}
}

// CatchUp returns once every copy offered so far has reached the
// observer, so that a request it handles next finds them: a client that
// saw a message's stanza-id finds the message when it queries the archive
// right after. It costs nothing when none is on its way, and otherwise
// sends what is queued at once instead of after the batch wait. ctx
// bounds the wait: an archive far behind holds the request no longer
// than a plugin call may take.
func (q *Queue) CatchUp(ctx context.Context) {
	if q.pending.Load() <= 0 {
		return
	}
	done := make(chan struct{})
	select {
	case q.catchUps <- done:
	case <-ctx.Done():
		return
	case <-q.done:
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	case <-q.done:
	}
}

// Run sends the queued copies to the observer in batches until the
// plugin is gone for good; ctx bounds the calls.
func (q *Queue) Run(ctx context.Context) {
	batch := make([]*pluginv1.ObservedMessage, 0, batchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var caughtUp chan struct{}
		select {
		case <-q.done:
			return
		case caughtUp = <-q.catchUps:
		case m := <-q.ch:
			batch = append(batch[:0], m)
			size := observedSize(m)
			timer.Reset(batchWait)
		fill:
			for len(batch) < batchSize && size < batchBytes {
				select {
				case m := <-q.ch:
					batch = append(batch, m)
					size += observedSize(m)
				case <-timer.C:
					break fill
				case caughtUp = <-q.catchUps:
					break fill
				case <-q.done:
					return
				}
			}
			timer.Stop()
			q.send(ctx, batch)
		}
		if caughtUp != nil {
			q.sendQueued(ctx, batch)
			close(caughtUp)
		}
	}
}

// sendQueued sends, in batches, what is queued now, and not what comes
// in meanwhile: a steady flow of messages must not keep a request
// waiting.
func (q *Queue) sendQueued(ctx context.Context, batch []*pluginv1.ObservedMessage) {
	for n := len(q.ch); n > 0; {
		batch, size := batch[:0], 0
		for ; n > 0 && len(batch) < batchSize && size < batchBytes; n-- {
			m := <-q.ch
			batch = append(batch, m)
			size += observedSize(m)
		}
		q.send(ctx, batch)
	}
}

func (q *Queue) send(ctx context.Context, batch []*pluginv1.ObservedMessage) {
	defer q.pending.Add(-int64(len(batch)))
	dropped := q.dropped.Swap(0)
	if dropped > 0 {
		q.log.Warn("archive observer fell behind; messages dropped", "dropped", dropped, "waited_up_to", q.cfg.Wait)
	}
	if waited := q.backpressured.Swap(0); waited > 0 {
		q.log.Debug("archive observer fell behind; senders slowed to its pace", "messages_waited", waited)
	}
	if !q.obs.Running() {
		q.log.Warn("archive observer not running; batch dropped", "messages", len(batch))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, q.cfg.CallTimeout)
	defer cancel()
	if err := q.obs.Observe(ctx, &pluginv1.ObserveRequest{Messages: batch, Dropped: dropped}); err != nil {
		q.log.Warn("archive observer failed a batch", "messages", len(batch), "error", err)
	}
}
