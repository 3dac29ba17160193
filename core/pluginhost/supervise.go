package pluginhost

import (
	"context"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// pollInterval is how often a supervisor looks at its process. go-plugin
// offers no exit notification, and a 50 ms poll keeps detection well
// inside the restart budget at no measurable cost.
const pollInterval = 50 * time.Millisecond

// supervise restarts the process when it dies, until stop.
func (in *instance) supervise() {
	defer in.h.wg.Done()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-in.exited:
			return
		case <-tick.C:
		}
		in.mu.Lock()
		died := in.st == stateRunning && in.client != nil && in.client.Exited()
		in.mu.Unlock()
		if died {
			in.recover()
			continue
		}
		in.sleepIfIdle(time.Now())
	}
}

// recover restarts a dead plugin with exponential backoff, or marks it
// failed when it crashes too often.
func (in *instance) recover() {
	for {
		delay, failed := in.recordCrash()
		if failed {
			in.log.Error("plugin keeps crashing; its routes answer service-unavailable until the configuration is reloaded",
				"crashes", in.h.cfg.Backoff.MaxCrashes, "window", in.h.cfg.Backoff.Window)
			in.h.rebuildLocked()
			return
		}
		in.log.Error("plugin exited unexpectedly; restarting", "restart_in", delay)
		select {
		case <-time.After(delay):
		case <-in.exited:
			return
		}
		err := in.restart()
		if err == nil {
			in.log.Info("plugin restarted", "pid", in.pid(), "restarts", in.restartCount())
			return
		}
		in.log.Error("restarting plugin failed", "error", err)
	}
}

func (in *instance) recordCrash() (time.Duration, bool) {
	b := in.h.cfg.Backoff
	now := time.Now()
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.client != nil {
		in.client.Kill() // reap what is left of the old process and its logs
	}
	recent := in.crashes[:0]
	for _, t := range in.crashes {
		if now.Sub(t) < b.Window {
			recent = append(recent, t)
		}
	}
	in.crashes = append(recent, now)
	if len(in.crashes) >= b.MaxCrashes {
		in.st = stateFailed
		return 0, true
	}
	in.st = stateRestarting
	delay := b.Initial << (len(in.crashes) - 1)
	if delay > b.Max || delay <= 0 {
		delay = b.Max
	}
	return delay, false
}

func (in *instance) restart() error {
	// A crashed process's stream features go with it; the new one sets
	// its own. (A plugin started again after a quiet spell keeps them.)
	in.mu.Lock()
	in.dynamic = nil
	in.mu.Unlock()
	if err := in.launch(in.h.ctx); err != nil {
		return err
	}
	if err := in.h.checkRoutes(in); err != nil {
		return err // the next crash record reaps the process
	}
	if err := in.configure(in.h.ctx); err != nil {
		return err
	}
	in.mu.Lock()
	if in.st != stateRestarting {
		in.mu.Unlock()
		return nil // stopped meanwhile
	}
	in.st = stateRunning
	in.lastUsed.Store(time.Now().UnixNano())
	in.restarts++
	in.mu.Unlock()
	in.h.rebuildLocked()
	return nil
}

func (in *instance) restartCount() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.restarts
}

// deliverEvents sends queued events to the plugin in order, as many in
// one call as have queued up.
func (in *instance) deliverEvents() {
	defer in.h.wg.Done()
	for {
		select {
		case <-in.exited:
			return
		case <-in.events.Wake():
		}
		for {
			batch, dropped := in.events.Take()
			if dropped > 0 {
				in.log.Error("events dropped: the plugin is far behind", "dropped", dropped)
			}
			if len(batch) == 0 {
				break
			}
			in.sendEvents(batch)
		}
	}
}

func (in *instance) sendEvents(batch []*pluginv1.EventRequest) {
	ctx, cancel := context.WithTimeout(in.h.ctx, in.h.cfg.CallTimeout)
	defer cancel()
	if err := in.acquire(ctx); err != nil {
		in.log.Debug("events dropped: plugin not running", "events", len(batch), "error", err)
		return
	}
	defer in.release()
	if _, err := in.remoteOf().client.Events(ctx, &pluginv1.EventBatch{Events: batch}); err != nil {
		in.log.Warn("events not handled", "events", len(batch), "first", batch[0].GetKind().String(), "error", describeErr(err))
	}
}
