package pluginhost

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/pluginhost/archivefeed"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Enabled implements router.Archive: something archives messages.
func (h *Host) Enabled() bool { return len(h.snap.Load().observers) > 0 }

// Record implements router.Archive: the copy is queued for every
// observer (see archivefeed.Queue.Offer).
func (h *Host) Record(owner, stanzaID, with string, stanza []byte, outgoing bool) {
	m := &pluginv1.ObservedMessage{Owner: owner, StanzaId: stanzaID, Stanza: stanza, UnixNano: time.Now().UnixNano(), Outgoing: outgoing, With: with}
	for _, in := range h.snap.Load().observers {
		in.observed.Offer(m)
	}
}

// Expect implements router.Archive: a copy for owner is coming; the
// returned func says it has been recorded or will not be.
func (h *Host) Expect(owner string) func() { return h.expected.Expect(owner) }

// observe gives an observer plugin its queue, once, when its manifest
// says it observes messages, and starts handing the queue over.
func (in *instance) observe() {
	if in.observed != nil {
		return
	}
	cfg := archivefeed.Config{Queue: in.h.cfg.ObserveQueue, Wait: in.h.cfg.ObserveWait, CallTimeout: in.h.cfg.CallTimeout}
	in.observed = archivefeed.New(cfg, observer{in}, in.log, in.exited)
	in.h.wg.Add(1)
	go func() {
		defer in.h.wg.Done()
		in.observed.Run(in.h.ctx)
	}()
}

// catchUpObserved returns once every message recorded so far has reached
// the observer plugin, the copies promised for owner first, so that a
// request it handles next finds them (archivefeed.Queue.CatchUp). An
// archive far behind holds the request no longer than a plugin call may
// take.
func (in *instance) catchUpObserved(ctx context.Context, owner string) {
	if in.observed == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, in.h.cfg.CallTimeout)
	defer cancel()
	in.h.expected.Wait(ctx, owner)
	in.observed.CatchUp(ctx)
}

// observer is an instance as its archive queue sees it.
type observer struct{ in *instance }

func (o observer) Running() bool { return o.in.state() == stateRunning }

func (o observer) Observe(ctx context.Context, req *pluginv1.ObserveRequest) error {
	if _, err := o.in.remoteOf().client.Observe(ctx, req); err != nil {
		return errors.New(describeErr(err))
	}
	return nil
}
