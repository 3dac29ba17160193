package sdk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// counting is a plugin with one metric of each kind and a config type.
type counting struct {
	hits    *sdk.Counter
	queue   *sdk.Gauge
	latency *sdk.Histogram
}

type countingConfig struct {
	Limit int    `json:"limit"`
	Mode  string `json:"mode"`
}

func (c *countingConfig) Validate() error {
	if c.Limit < 1 {
		return errors.New("limit: must be at least 1")
	}
	return nil
}

func (p *counting) Describe() sdk.Description {
	return sdk.Description{
		Name: "counting",
		Metrics: []sdk.Metric{
			p.hits, p.queue, p.latency,
			sdk.NewGaugeFunc("answer", "A value read when scraped.", func() float64 { return 42 }),
		},
		Config: func() any { return &countingConfig{Limit: 10} },
	}
}

func (p *counting) Configure(context.Context, sdk.Config) error { return nil }

// TestPluginMetrics: the values a plugin keeps reach the core by the names
// it shows them under.
func TestPluginMetrics(t *testing.T) {
	p := &counting{
		hits:    sdk.NewCounter("hits_total", "Hits."),
		queue:   sdk.NewGauge("queue", "Queued."),
		latency: sdk.NewHistogram("latency_seconds", "Latency.", []float64{0.1, 1}),
	}
	h := sdktest.New(t, p, sdktest.Options{})
	p.hits.Inc()
	p.hits.Add(2)
	p.hits.Add(-5) // ignored: a counter only goes up
	p.queue.Set(7)
	p.queue.Dec()
	p.latency.Observe(0.05)
	p.latency.Observe(1) // on the bound: in that bucket
	p.latency.Observe(3)
	got := h.Metrics()
	for name, want := range map[string]float64{
		"switchboard_plugin_counting_hits_total":            3,
		"switchboard_plugin_counting_queue":                 6,
		"switchboard_plugin_counting_answer":                42,
		"switchboard_plugin_counting_latency_seconds_count": 3,
		"switchboard_plugin_counting_latency_seconds_sum":   4.05,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}

// TestCheckConfig: a section is decoded and validated as Configure's
// would be, each mistake named.
func TestCheckConfig(t *testing.T) {
	h := sdktest.New(t, &counting{hits: sdk.NewCounter("h", ""), queue: sdk.NewGauge("q", ""), latency: sdk.NewHistogram("l", "", []float64{1})}, sdktest.Options{})
	for _, tc := range []struct {
		config map[string]any
		want   string // in the error; "" for none
	}{
		{map[string]any{"limit": 5, "mode": "fast"}, ""},
		{nil, ""},
		{map[string]any{"limt": 5}, `unknown key "limt"`},
		{map[string]any{"limit": "many"}, "limit"},
		{map[string]any{"limit": 0}, "limit: must be at least 1"},
	} {
		err := h.CheckConfig(tc.config)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.config, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: %v, want an error naming %q", tc.config, err, tc.want)
		}
	}
}
