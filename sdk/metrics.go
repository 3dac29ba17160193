package sdk

import (
	"math"
	"slices"
	"sync/atomic"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Metric is a value a plugin exposes on the server's Prometheus endpoint
// (listen.metrics), declared in Description.Metrics. The plugin keeps it
// in its own memory, at the cost of an atomic operation per change; the
// core reads every one when the server is scraped. The core names it
// switchboard_plugin_<plugin>_<name>, so that a name says only what is
// counted ("rooms", "messages_total").
//
// A Metric is made by NewCounter, NewGauge, NewGaugeFunc or NewHistogram,
// once, in the plugin's constructor: Describe is called once, and the
// values live as long as the process (a counter starts again from zero
// when the plugin restarts, which Prometheus reads as a reset).
type Metric interface {
	desc() metricDesc
	value() metricValue
}

// metricDesc and metricValue are the wire's MetricDesc and MetricValue in
// the sdk's own terms, so that Metric shows no wire type.
type metricDesc struct {
	name, help string
	kind       pluginv1.MetricType
	buckets    []float64
}

type metricValue struct {
	value   float64
	buckets []uint64 // cumulative
	count   uint64
	sum     float64
}

type metricHead struct {
	name, help string
}

// Counter is a count that only goes up. Names of counters end in _total
// by Prometheus convention.
type Counter struct {
	metricHead
	v atomicFloat
}

// NewCounter returns a counter named name (lower_snake_case).
func NewCounter(name, help string) *Counter {
	return &Counter{metricHead: metricHead{name, help}}
}

// Inc adds one.
func (c *Counter) Inc() { c.v.add(1) }

// Add adds v, which must not be negative; a negative v is ignored.
func (c *Counter) Add(v float64) {
	if v > 0 {
		c.v.add(v)
	}
}

func (c *Counter) desc() metricDesc {
	return metricDesc{name: c.name, help: c.help, kind: pluginv1.MetricType_METRIC_TYPE_COUNTER}
}
func (c *Counter) value() metricValue { return metricValue{value: c.v.load()} }

// Gauge is a value that goes up and down.
type Gauge struct {
	metricHead
	v atomicFloat
}

// NewGauge returns a gauge named name (lower_snake_case).
func NewGauge(name, help string) *Gauge {
	return &Gauge{metricHead: metricHead{name, help}}
}

// Set sets the value.
func (g *Gauge) Set(v float64) { g.v.store(v) }

// Add adds v (negative to subtract).
func (g *Gauge) Add(v float64) { g.v.add(v) }

// Inc adds one.
func (g *Gauge) Inc() { g.v.add(1) }

// Dec subtracts one.
func (g *Gauge) Dec() { g.v.add(-1) }

func (g *Gauge) desc() metricDesc {
	return metricDesc{name: g.name, help: g.help, kind: pluginv1.MetricType_METRIC_TYPE_GAUGE}
}
func (g *Gauge) value() metricValue { return metricValue{value: g.v.load()} }

type gaugeFunc struct {
	metricHead
	read func() float64
}

// NewGaugeFunc returns a gauge whose value read returns when the server is
// scraped: for what the plugin knows anyway (the size of a table), which
// then costs nothing between scrapes. read may be called concurrently
// with anything else the plugin does.
func NewGaugeFunc(name, help string, read func() float64) Metric {
	return gaugeFunc{metricHead{name, help}, read}
}

func (g gaugeFunc) desc() metricDesc {
	return metricDesc{name: g.name, help: g.help, kind: pluginv1.MetricType_METRIC_TYPE_GAUGE}
}
func (g gaugeFunc) value() metricValue { return metricValue{value: g.read()} }

// Histogram counts observations (durations, sizes) in buckets.
type Histogram struct {
	metricHead
	bounds []float64
	counts []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	sum    atomicFloat
}

// NewHistogram returns a histogram named name (lower_snake_case) with
// buckets, their upper bounds in increasing order (+Inf is implied). A
// duration is observed in seconds, by Prometheus convention
// (name_seconds).
func NewHistogram(name, help string, buckets []float64) *Histogram {
	return &Histogram{metricHead: metricHead{name, help}, bounds: slices.Clone(buckets), counts: make([]atomic.Uint64, len(buckets)+1)}
}

// Observe records one observation.
func (h *Histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v)
	h.counts[i].Add(1)
	h.sum.add(v)
}

func (h *Histogram) desc() metricDesc {
	return metricDesc{name: h.name, help: h.help, kind: pluginv1.MetricType_METRIC_TYPE_HISTOGRAM, buckets: h.bounds}
}

// value reads the buckets cumulatively. An observation made during the
// read may be in the count and not yet in its bucket; Prometheus
// tolerates that, and the next scrape has it.
func (h *Histogram) value() metricValue {
	v := metricValue{buckets: make([]uint64, len(h.bounds)), sum: h.sum.load()}
	var acc uint64
	for i := range h.bounds {
		acc += h.counts[i].Load()
		v.buckets[i] = acc
	}
	v.count = acc + h.counts[len(h.bounds)].Load()
	return v
}

// atomicFloat is a float64 updated without a lock.
type atomicFloat struct{ bits atomic.Uint64 }

func (f *atomicFloat) load() float64   { return math.Float64frombits(f.bits.Load()) }
func (f *atomicFloat) store(v float64) { f.bits.Store(math.Float64bits(v)) }

func (f *atomicFloat) add(v float64) {
	for {
		old := f.bits.Load()
		if f.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func metricsToProto(ms []Metric) []*pluginv1.MetricDesc {
	out := make([]*pluginv1.MetricDesc, len(ms))
	for i, m := range ms {
		d := m.desc()
		out[i] = &pluginv1.MetricDesc{Name: d.name, Help: d.help, Type: d.kind, Buckets: d.buckets}
	}
	return out
}

func metricValuesToProto(ms []Metric) []*pluginv1.MetricValue {
	out := make([]*pluginv1.MetricValue, len(ms))
	for i, m := range ms {
		v := m.value()
		out[i] = &pluginv1.MetricValue{Value: v.value, BucketCounts: v.buckets, Count: v.count, Sum: v.sum}
	}
	return out
}
