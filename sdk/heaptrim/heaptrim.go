// Package heaptrim hands the free heap of a quiet process back to the
// operating system.
//
// Go's runtime keeps the heap it freed, up to the target of its last
// collection, for the allocations it expects before the next one. After a
// burst (thousands of clients logging in after a restart) that target is
// twice the heap the burst left live, and on a server that then goes quiet
// no collection comes to lower it: the memory stays with the process, a
// quarter of an idle session's RSS (docs/PERFORMANCE.md). A Trimmer
// notices that the process has gone quiet and returns what is free at
// once.
//
// The core runs one for itself, and sdk.Serve one in every plugin process
// (memory.release_after, handed over in pluginv1.ReleaseAfterEnv).
package heaptrim

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/hashicorp/go-hclog"
)

// MinGainBytes is the heap to gain below which a Trimmer leaves it to
// Go: a collection to return less saves too little.
const MinGainBytes = 256 << 10

// busyShare: a period in which the process allocated more than this
// share of its live heap is not quiet, collection or not. Returning the
// heap costs a collection, whose work grows with the live heap; a process
// with a large heap may go seconds between collections under steady load,
// and trimming it then would collect far more often than Go's pacer does.
const busyShare = 64

const (
	metricCycles  = "/gc/cycles/total:gc-cycles"
	metricAllocs  = "/gc/heap/allocs:bytes"              // allocated so far
	metricFree    = "/memory/classes/heap/free:bytes"    // free, not yet returned
	metricObjects = "/memory/classes/heap/objects:bytes" // live and dead, not yet swept
	metricLive    = "/gc/heap/live:bytes"                // live at the last collection
)

// Trimmer returns the free heap to the operating system once the process
// has been quiet for a period: no garbage collection in it, and little
// allocated.
type Trimmer struct {
	quiet   time.Duration
	minGain uint64
	log     hclog.Logger
	// release returns the free heap; debug.FreeOSMemory, which collects
	// first and so also frees what the burst left unreachable.
	release func()
	samples []metrics.Sample
	last    reading // at the start of the current period
	// left is what the last release could not return (the estimate
	// counts some heap no release gives back); only more than that
	// counts, until the next collection.
	left uint64
}

type reading struct {
	cycles, allocs uint64
	// gain is what a collection and a release would give back: what is
	// free already, and what was allocated since the last collection,
	// which in a quiet process is mostly garbage (in a plugin, with its
	// small heap, often more than what is free).
	gain uint64
	live uint64
}

// New returns a Trimmer that waits for quiet periods of the given length.
func New(quiet time.Duration, log hclog.Logger) *Trimmer {
	t := &Trimmer{
		quiet:   quiet,
		minGain: MinGainBytes,
		log:     log,
		release: debug.FreeOSMemory,
		samples: []metrics.Sample{{Name: metricCycles}, {Name: metricAllocs}, {Name: metricFree}, {Name: metricObjects}, {Name: metricLive}},
	}
	t.last = t.read()
	return t
}

// Run checks once each quiet period until ctx ends.
func (t *Trimmer) Run(ctx context.Context) {
	tick := time.NewTicker(t.quiet)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.step()
	}
}

// step ends a period: it returns the heap if the period was quiet and
// there is enough to return, and starts the next period. A period with a
// collection, or with much allocated, means what is free will be used
// again soon: returning it would only have the runtime ask for it back.
func (t *Trimmer) step() {
	now := t.read()
	last := t.last
	t.last = now
	if now.cycles != last.cycles {
		t.left = 0
		return
	}
	allocated := now.allocs - last.allocs
	if allocated > now.live/busyShare || now.gain < t.left+t.minGain {
		return
	}
	start := time.Now()
	t.release()
	// Counting from after the release's own collection, the next period
	// is quiet if the process stays so, and has little left to return.
	t.last = t.read()
	t.left = t.last.gain
	t.log.Debug("returned the free heap to the operating system",
		"bytes", now.gain-min(now.gain, t.last.gain), "took", time.Since(start).String())
}

func (t *Trimmer) read() reading {
	metrics.Read(t.samples)
	r := reading{
		cycles: t.samples[0].Value.Uint64(),
		allocs: t.samples[1].Value.Uint64(),
		gain:   t.samples[2].Value.Uint64(),
		live:   t.samples[4].Value.Uint64(),
	}
	if objects := t.samples[3].Value.Uint64(); objects > r.live {
		r.gain += objects - r.live
	}
	return r
}
