package pluginhost

import (
	"context"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Batching of observed messages: a batch goes out when it is full or when
// its first message has waited this long, whichever comes first.
const (
	observeBatch = 256
	observeWait  = 20 * time.Millisecond
	observeQueue = 8192 // per observer; past it messages are dropped and counted
)

// Enabled implements router.Archive: something archives messages.
func (h *Host) Enabled() bool { return len(h.snap.Load().observers) > 0 }

// Record implements router.Archive: the copy is queued for every observer
// without waiting.
func (h *Host) Record(owner, stanzaID, with string, stanza []byte, outgoing bool) {
	m := &pluginv1.ObservedMessage{Owner: owner, StanzaId: stanzaID, Stanza: stanza, UnixNano: time.Now().UnixNano(), Outgoing: outgoing, With: with}
	for _, in := range h.snap.Load().observers {
		select {
		case in.observed <- m:
		default:
			in.droppedObserved.Add(1)
		}
	}
}

// deliverObserved sends the queued copies to the plugin in batches.
func (in *instance) deliverObserved() {
	defer in.h.wg.Done()
	batch := make([]*pluginv1.ObservedMessage, 0, observeBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-in.exited:
			return
		case m := <-in.observed:
			batch = append(batch[:0], m)
			timer.Reset(observeWait)
		fill:
			for len(batch) < observeBatch {
				select {
				case m := <-in.observed:
					batch = append(batch, m)
				case <-timer.C:
					break fill
				case <-in.exited:
					return
				}
			}
			timer.Stop()
			in.sendObserved(batch)
		}
	}
}

func (in *instance) sendObserved(batch []*pluginv1.ObservedMessage) {
	dropped := in.droppedObserved.Swap(0)
	if dropped > 0 {
		in.log.Warn("archive observer fell behind; messages dropped", "dropped", dropped)
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
