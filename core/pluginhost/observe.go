package pluginhost

import (
	"context"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Batching of observed messages: a batch goes out when it is full or when
// its first message has waited this long, whichever comes first. Under
// load the batches are full, and their size is the archive's rate: mam
// writes a batch in one SQLite transaction, which rewrites a page per
// account however few of its messages the batch holds. `switchboard bench
// messages`, archive on, one core: batches of 2048 copies 13 800
// messages/s, 8192 18 900, 16384 (with a queue of twice that) 22 500.
const (
	observeBatch      = 16384
	observeBatchBytes = pluginv1.ObserveBatchBytes
	observeWait       = 20 * time.Millisecond
	// defaultObserveQueue is the queue per observer when Config names none;
	// past it Record waits (ObserveWait), then drops and counts. Two
	// batches: one filling while the plugin stores the other.
	defaultObserveQueue = 2 * observeBatch
)

// observedSize is what a message adds to a batch on the wire.
func observedSize(m *pluginv1.ObservedMessage) int {
	return len(m.Stanza) + len(m.Owner) + len(m.With) + len(m.StanzaId) + 32
}

// Enabled implements router.Archive: something archives messages.
func (h *Host) Enabled() bool { return len(h.snap.Load().observers) > 0 }

// Record implements router.Archive: the copy is queued for every observer.
// Delivery never waits for the archive to store it, but when an observer
// has fallen a whole queue behind, Record waits (up to ObserveWait) for
// room: the sender's stream, whose goroutine calls it, is then read only as
// fast as the archive writes, as TCP pushes back on a fast sender. Dropping
// instead kept the message rate up by losing most of the archive under
// load (issue 5's side-by-side run: 1.17 million archive copies dropped).
func (h *Host) Record(owner, stanzaID, with string, stanza []byte, outgoing bool) {
	m := &pluginv1.ObservedMessage{Owner: owner, StanzaId: stanzaID, Stanza: stanza, UnixNano: time.Now().UnixNano(), Outgoing: outgoing, With: with}
	for _, in := range h.snap.Load().observers {
		in.pendingObserved.Add(1)
		select {
		case in.observed <- m:
			continue
		default:
		}
		if !in.waitToObserve(m, h.cfg.ObserveWait) {
			in.pendingObserved.Add(-1)
			in.droppedObserved.Add(1)
		}
	}
}

// waitToObserve queues m once the observer's queue has room, giving up
// after wait or when the plugin is gone for good.
func (in *instance) waitToObserve(m *pluginv1.ObservedMessage, wait time.Duration) bool {
	if wait <= 0 {
		return false
	}
	in.backpressured.Add(1)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case in.observed <- m:
		return true
	case <-t.C:
		return false
	case <-in.exited:
		return false
	}
}

// catchUpObserved returns once every message recorded so far has reached
// the observer plugin, so that a request it handles next finds them: a
// client that saw a message's stanza-id finds the message when it queries
// the archive right after. It costs nothing when none is on its way, and
// otherwise sends what is queued at once instead of after observeWait.
// It first waits for the copies promised for owner (see expectations).
// An archive far behind holds the request no longer than a plugin call
// may take.
func (in *instance) catchUpObserved(ctx context.Context, owner string) {
	if in.observed == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, in.h.cfg.CallTimeout)
	defer cancel()
	in.h.expected.wait(ctx, owner)
	if in.pendingObserved.Load() <= 0 {
		return
	}
	done := make(chan struct{})
	select {
	case in.catchUps <- done:
	case <-ctx.Done():
		return
	case <-in.exited:
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	case <-in.exited:
	}
}

// deliverObserved sends the queued copies to the plugin in batches.
func (in *instance) deliverObserved() {
	defer in.h.wg.Done()
	batch := make([]*pluginv1.ObservedMessage, 0, observeBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var caughtUp chan struct{}
		select {
		case <-in.exited:
			return
		case caughtUp = <-in.catchUps:
		case m := <-in.observed:
			batch = append(batch[:0], m)
			size := observedSize(m)
			timer.Reset(observeWait)
		fill:
			for len(batch) < observeBatch && size < observeBatchBytes {
				select {
				case m := <-in.observed:
					batch = append(batch, m)
					size += observedSize(m)
				case <-timer.C:
					break fill
				case caughtUp = <-in.catchUps:
					break fill
				case <-in.exited:
					return
				}
			}
			timer.Stop()
			in.sendObserved(batch)
		}
		if caughtUp != nil {
			in.sendQueuedObserved(batch)
			close(caughtUp)
		}
	}
}

// sendQueuedObserved sends, in batches, what is queued now, and not what
// comes in meanwhile: a steady flow of messages must not keep a request
// waiting.
func (in *instance) sendQueuedObserved(batch []*pluginv1.ObservedMessage) {
	for n := len(in.observed); n > 0; {
		batch, size := batch[:0], 0
		for ; n > 0 && len(batch) < observeBatch && size < observeBatchBytes; n-- {
			m := <-in.observed
			batch = append(batch, m)
			size += observedSize(m)
		}
		in.sendObserved(batch)
	}
}

func (in *instance) sendObserved(batch []*pluginv1.ObservedMessage) {
	defer in.pendingObserved.Add(-int64(len(batch)))
	dropped := in.droppedObserved.Swap(0)
	if dropped > 0 {
		in.log.Warn("archive observer fell behind; messages dropped", "dropped", dropped, "waited_up_to", in.h.cfg.ObserveWait)
	}
	if waited := in.backpressured.Swap(0); waited > 0 {
		in.log.Debug("archive observer fell behind; senders slowed to its pace", "messages_waited", waited)
	}
	if in.state() != stateRunning {
		in.log.Warn("archive observer not running; batch dropped", "messages", len(batch))
		return
	}
	ctx, cancel := context.WithTimeout(in.h.ctx, in.h.cfg.CallTimeout)
	defer cancel()
	if _, err := in.remoteOf().client.Observe(ctx, &pluginv1.ObserveRequest{Messages: batch, Dropped: dropped}); err != nil {
		in.log.Warn("archive observer failed a batch", "messages", len(batch), "error", describeErr(err))
	}
}
