package heaptrim

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

const chunk = 128 << 10

// sink keeps allocations from being optimised away.
var sink []byte

// heapAfterBurst leaves the process as a burst does: a live heap, and as
// much again freed by the last collection but kept for the next, its
// target being set when both were live. It returns the live part, which
// the caller keeps alive, and what there is to return.
func heapAfterBurst(t *testing.T, tr *Trimmer) ([][]byte, uint64) {
	t.Helper()
	live := make([][]byte, 0, 256)
	garbage := make([][]byte, 0, 192)
	for range cap(live) {
		live = append(live, make([]byte, chunk))
	}
	for range cap(garbage) {
		garbage = append(garbage, make([]byte, chunk))
	}
	runtime.GC()
	runtime.KeepAlive(garbage)
	garbage = nil
	runtime.GC()
	gain := tr.read().gain
	if gain < 16<<20 {
		t.Fatalf("after the burst %d bytes of heap are free, want at least 16 MiB to return", gain)
	}
	tr.last = tr.read() // a period starts
	return live, gain
}

// TestReturnsFreeHeapOfAQuietProcess: the heap a burst left behind goes
// back to the operating system after a quiet period, and the live heap
// is untouched.
func TestReturnsFreeHeapOfAQuietProcess(t *testing.T) {
	tr := New(time.Second, hclog.NewNullLogger())
	live, before := heapAfterBurst(t, tr)
	tr.step()
	// Not all of it: the test's own goroutines allocate meanwhile.
	if after := tr.read().gain; after > before/10 {
		t.Errorf("after a quiet period %d bytes are still free, %d before, want under a tenth of it", after, before)
	}
	for i, b := range live {
		if len(b) != chunk {
			t.Fatalf("live chunk %d lost", i)
		}
	}
	runtime.KeepAlive(live)
}

// TestLeavesABusyHeapAlone: a period with a collection in it is not
// quiet, nor one in which the process allocated more than a small share
// of its live heap; and little to return is not worth a collection.
func TestLeavesABusyHeapAlone(t *testing.T) {
	released := 0
	tr := New(time.Second, hclog.NewNullLogger())
	tr.release = func() { released++ }
	live, _ := heapAfterBurst(t, tr)
	defer runtime.KeepAlive(live)

	runtime.GC() // the process collected during the period
	tr.step()
	if released != 0 {
		t.Fatal("released the heap after a period with a collection")
	}
	// 2 MiB is more than a 64th of the 32 MiB live heap, and far from
	// its next collection.
	for range 16 {
		sink = make([]byte, chunk)
	}
	tr.step()
	if released != 0 {
		t.Fatal("released the heap after a period in which the process allocated 2 MiB")
	}
	tr.step()
	if released != 1 {
		t.Fatalf("released %d times after a quiet period, want once", released)
	}

	// The fake returned nothing: what it left does not count again.
	tr.step()
	if released != 1 {
		t.Fatal("released again what the last release could not return")
	}

	tr.left = 0
	tr.minGain = 1 << 40
	tr.step()
	if released != 1 {
		t.Fatal("released less than the minimum to gain")
	}
}

// TestRunChecksEachPeriodUntilCancelled: Run releases after a quiet
// period on its own, and returns when its context ends.
func TestRunChecksEachPeriodUntilCancelled(t *testing.T) {
	tr := New(10*time.Millisecond, hclog.NewNullLogger())
	tr.minGain = 0
	released := make(chan struct{}, 1)
	tr.release = func() {
		select {
		case released <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		tr.Run(ctx)
		close(done)
	}()
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("Run released nothing in 10 s of 10 ms periods")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
