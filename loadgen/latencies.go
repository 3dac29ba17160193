package loadgen

import (
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen/histogram"
)

// latencies are one histogram per worker, padded so that workers on
// different cores do not share a cache line, merged when the phase ends.
type latencies struct {
	h []paddedHistogram
}

type paddedHistogram struct {
	histogram.Histogram
	_ [64]byte
}

func newLatencies(workers int) *latencies {
	return &latencies{h: make([]paddedHistogram, workers)}
}

func (l *latencies) record(worker int, d time.Duration) {
	if l != nil {
		l.h[worker].Record(d)
	}
}

func (l *latencies) merged() *histogram.Histogram {
	var all histogram.Histogram
	for i := range l.h {
		all.Merge(&l.h[i].Histogram)
	}
	return &all
}
