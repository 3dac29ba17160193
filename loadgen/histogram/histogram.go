// Package histogram records latencies in logarithmic buckets, so that a
// load generator can keep one per connection without locks or per-sample
// memory and still report percentiles within 1%.
//
// The layout is that of an HDR histogram with 64 sub-buckets per power of
// two: values below 128 have a bucket each, and a larger value v shares
// its bucket with the values that agree with it in the 7 highest bits.
// A bucket is thus at most 1/64 of its lower bound wide, and reporting
// its midpoint is off by at most 1/128 (0.8%).
package histogram

import (
	"math/bits"
	"time"
)

const (
	subBits   = 6            // 64 sub-buckets per power of two
	sub       = 1 << subBits // sub-buckets per power of two
	linear    = 2 * sub      // values below this have exact buckets
	maxBits   = 40           // 2^40 ns ≈ 18 minutes; longer is clamped
	numBucket = linear + (maxBits-subBits-1)*sub
)

// Histogram counts durations. The zero value is ready to use; it is not
// safe for concurrent use, so keep one per goroutine and Merge them.
type Histogram struct {
	counts   []uint64 // allocated on first Record
	n        uint64
	sum      uint64
	min, max uint64
}

// index returns v's bucket.
func index(v uint64) int {
	if v < linear {
		return int(v)
	}
	l := bits.Len64(v) // v >= 128, so l >= 8
	if l > maxBits {
		return numBucket - 1
	}
	// v>>shift keeps the leading 1 and the next subBits bits: [64, 128).
	shift := l - subBits - 1
	return linear + (shift-1)*sub + int(v>>shift) - sub
}

// bounds returns the smallest value of bucket i and its width.
func bounds(i int) (lo, width uint64) {
	if i < linear {
		return uint64(i), 1
	}
	j := i - linear
	shift := j/sub + 1
	m := uint64(sub + j%sub)
	return m << shift, 1 << shift
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	if h.counts == nil {
		h.counts = make([]uint64, numBucket)
		h.min = v
	}
	h.counts[index(v)]++
	h.n++
	h.sum += v
	h.min = min(h.min, v)
	h.max = max(h.max, v)
}

// Merge adds every sample of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 {
		h.counts = make([]uint64, numBucket)
		h.min = o.min
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count returns the number of samples.
func (h *Histogram) Count() uint64 { return h.n }

// Min and Max return the extreme samples exactly; Mean their average.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / h.n)
}

// Quantile returns the q-quantile (0 < q ≤ 1) by the nearest-rank method:
// the midpoint of the bucket that holds the ceil(q·n)-th smallest sample,
// kept within [Min, Max]. It is 0 when there are no samples.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen < rank {
			continue
		}
		lo, w := bounds(i)
		v := lo + w/2
		return time.Duration(min(max(v, h.min), h.max))
	}
	return time.Duration(h.max)
}
