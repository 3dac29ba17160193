package pluginhost

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// An on-demand plugin (its manifest's on_demand) holds nothing in its
// process that must outlive a quiet spell, so the host stops it once it
// has had nothing to do for Config.IdleStop and starts it again, with its
// configuration, when the next stanza, call or event for it comes. Its
// routes, features and subscriptions stay in the tables meanwhile: to the
// rest of the server the plugin is loaded throughout.
//
// Every call into a plugin goes through acquire and release. acquire
// counts the call in busy before it looks at the state, and sleepIfIdle
// looks at busy under the same lock after which it changes the state, so
// either the call sees the plugin idle and wakes it, or the plugin is not
// stopped under it. sleepIfIdle also compares the calls begun (uses)
// with their number before it asked the plugin whether it is quiet: a
// call in between may have given it something to hold.

// acquire readies the plugin for one call: an idle plugin is started
// again, the caller waiting for it within ctx. The error is the stanza
// error a client gets when the plugin cannot take the call.
func (in *instance) acquire(ctx context.Context) error {
	tried := false
	for {
		in.busy.Add(1)
		in.mu.Lock()
		st := in.st
		if st == stateRunning {
			in.mu.Unlock()
			in.uses.Add(1)
			in.lastUsed.Store(time.Now().UnixNano())
			return nil
		}
		in.busy.Add(-1)
		if tried || !st.idle() {
			in.mu.Unlock()
			return unavailable(st)
		}
		if st == stateIdle {
			if time.Now().Before(in.wakeAfter) {
				in.mu.Unlock()
				return unavailable(stateRestarting)
			}
			in.st = stateWaking
			in.woken = make(chan struct{})
			go in.wake(in.woken)
		}
		woken := in.woken
		in.mu.Unlock()
		select {
		case <-woken:
		case <-ctx.Done():
			return &stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: "the request was cancelled"}
		}
		tried = true
	}
}

// tryAcquire is acquire for a running plugin only, for what an idle
// plugin is not worth waking for: its metrics, a new config section it
// reads when it starts.
func (in *instance) tryAcquire() bool {
	in.busy.Add(1)
	if in.state() == stateRunning {
		return true
	}
	in.busy.Add(-1)
	return false
}

// release ends a call acquire began.
func (in *instance) release() { in.busy.Add(-1) }

func unavailable(st state) *stanza.Error {
	switch st {
	case stateRestarting, stateStarting, stateWaking:
		return &stanza.Error{Type: stanza.Wait, Condition: stanza.ServiceUnavailable, Text: "the service is restarting, try again shortly"}
	}
	return stanza.Errorf(stanza.ServiceUnavailable, "the service is not available")
}

// wake starts an idle plugin again, configured as before, and closes done.
// A start that fails counts as a crash: it is tried again after the
// backoff, by the next call, and too many mark the plugin failed.
func (in *instance) wake(done chan struct{}) {
	defer close(done)
	t0 := time.Now()
	before := in.manifestOf()
	err := in.launch(in.h.ctx) // what it set through SetStreamFeatures stays offered
	if err == nil {
		in.mu.Lock()
		changed := !proto.Equal(before, in.manifest)
		in.mu.Unlock()
		// Only a manifest that changed needs the route check, which
		// takes the host's lock: a reload holds it while it configures
		// plugins, and one of those may be calling this plugin.
		if changed {
			err = in.h.checkRoutes(in)
		}
		if err == nil {
			err = in.configure(in.h.ctx)
		}
	}
	in.mu.Lock()
	client := in.client
	switch {
	case in.st != stateWaking: // stopped meanwhile
		in.mu.Unlock()
		if err == nil {
			client.Kill()
		}
		return
	case err == nil:
		in.st = stateRunning
		in.lastUsed.Store(time.Now().UnixNano())
		in.mu.Unlock()
		in.log.Info("plugin started for a call after a quiet spell", "pid", in.pid(), "took", time.Since(t0).Round(time.Millisecond))
		in.h.requestRebuild()
		return
	}
	in.mu.Unlock()
	delay, failed := in.recordCrash() // reaps the process, if one started
	in.mu.Lock()
	if !failed {
		in.st, in.wakeAfter = stateIdle, time.Now().Add(delay)
	}
	in.mu.Unlock()
	if failed {
		in.log.Error("plugin fails to start again; its routes answer service-unavailable until the configuration is reloaded", "error", err)
		in.h.requestRebuild() // not under the host's lock, for the reason above
		return
	}
	in.log.Error("starting an idle plugin again failed", "error", err, "retry_after", delay)
}

// sleepIfIdle stops an on-demand plugin that has had nothing to do for
// the host's IdleStop and says it is quiet (holds nothing its process
// would lose). The supervisor calls it on every tick; a plugin that is not
// quiet is asked again after another IdleStop.
func (in *instance) sleepIfIdle(now time.Time) {
	idle := in.h.cfg.IdleStop
	if idle <= 0 || now.UnixNano()-in.lastUsed.Load() < int64(idle) || in.state() != stateRunning || !in.manifestOf().GetOnDemand() {
		return
	}
	uses := in.uses.Load()
	if !in.quiet() {
		in.lastUsed.Store(now.UnixNano())
		return
	}
	in.mu.Lock()
	// A call that began meanwhile may have given the plugin something
	// to hold: it stays.
	if in.st != stateRunning || in.busy.Load() != 0 || in.uses.Load() != uses || in.events.Pending() {
		in.mu.Unlock()
		return
	}
	in.st = stateIdle
	client := in.client
	in.mu.Unlock()
	in.log.Debug("plugin stopped after a quiet spell; the next stanza, call or event for it starts it again", "idle", idle)
	client.Kill()
}

// quiet asks the plugin whether stopping it would lose anything; one that
// does not know the question is quiet, one that does not answer is not.
func (in *instance) quiet() bool {
	ctx, cancel := context.WithTimeout(in.h.ctx, in.h.cfg.CallTimeout)
	defer cancel()
	resp, err := in.remoteOf().client.Quiet(ctx, &pluginv1.QuietRequest{})
	if status.Code(err) == codes.Unimplemented {
		return true
	}
	if err != nil {
		in.log.Warn("asking an idle plugin whether it may be stopped", "error", describeErr(err))
		return false
	}
	return resp.GetQuiet()
}
