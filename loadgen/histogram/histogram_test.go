package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exact is the nearest-rank quantile of sorted samples.
func exact(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func TestQuantileWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func() time.Duration
	}{
		{"microseconds", func() time.Duration { return time.Duration(r.IntN(1000)) * time.Microsecond }},
		{"lognormal around 2ms", func() time.Duration { return time.Duration(math.Exp(r.NormFloat64()*1.5) * 2e6) }},
		{"small integers", func() time.Duration { return time.Duration(r.IntN(300)) }},
		{"bimodal", func() time.Duration {
			if r.IntN(100) == 0 {
				return 800*time.Millisecond + time.Duration(r.IntN(1e8))
			}
			return 50*time.Microsecond + time.Duration(r.IntN(1e5))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Histogram
			samples := make([]time.Duration, 20000)
			for i := range samples {
				samples[i] = tc.gen()
				h.Record(samples[i])
			}
			slices.Sort(samples)
			for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
				want, got := exact(samples, q), h.Quantile(q)
				if diff := math.Abs(float64(got - want)); diff > 0.01*float64(want) && diff > 1 {
					t.Errorf("q%.3f = %v, exact %v (off by %.2f%%)", q, got, want, 100*diff/float64(want))
				}
			}
			if h.Min() != samples[0] || h.Max() != samples[len(samples)-1] {
				t.Errorf("min/max = %v/%v, want %v/%v", h.Min(), h.Max(), samples[0], samples[len(samples)-1])
			}
		})
	}
}

func TestBucketsAreContiguous(t *testing.T) {
	// Every value maps into a bucket whose bounds contain it, and buckets
	// follow one another without gaps up to the clamp.
	next := uint64(0)
	for i := range numBucket {
		lo, w := bounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		for _, v := range []uint64{lo, lo + w - 1} {
			if got := index(v); got != i {
				t.Fatalf("index(%d) = %d, want %d", v, got, i)
			}
		}
		next = lo + w
	}
	if got := index(math.MaxUint64); got != numBucket-1 {
		t.Errorf("index(max) = %d, want the last bucket %d", got, numBucket-1)
	}
}

func TestMerge(t *testing.T) {
	var a, b, all Histogram
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{}) // empty: no effect
	for _, q := range []float64{0.5, 0.99} {
		if m.Quantile(q) != all.Quantile(q) {
			t.Errorf("merged q%v = %v, want %v", q, m.Quantile(q), all.Quantile(q))
		}
	}
	if m.Count() != 1000 || m.Min() != 0 || m.Max() != 999*time.Microsecond || m.Mean() != all.Mean() {
		t.Errorf("merged count/min/max/mean = %d/%v/%v/%v", m.Count(), m.Min(), m.Max(), m.Mean())
	}
}

func TestEmpty(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Error("an empty histogram should report zeros")
	}
}
