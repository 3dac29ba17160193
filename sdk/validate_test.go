package sdk

import (
	"context"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

func TestValidateNamesTheMistake(t *testing.T) {
	nop := func(context.Context, *Request) (*etree.Element, error) { return nil, nil }
	tests := []struct {
		name string
		d    Description
		want string
	}{
		{"no name", Description{}, "no name"},
		{"route without handler", Description{Name: "x", Routes: []Route{{Kind: IQ, Namespace: "n", To: ToServer}}}, "route 0: no handler"},
		{"route without addressing", Description{Name: "x", Routes: []Route{{Kind: IQ, Namespace: "n", Handle: nop}}}, "unknown addressing"},
		{"broadcast message", Description{Name: "x", Routes: []Route{{Kind: Message, To: Broadcast, Handle: nop}}}, "only presence"},
		{"pre-auth message", Description{Name: "x", Routes: []Route{{Kind: Message, To: ToServer, PreAuth: true, Handle: nop}}}, "before authentication"},
		{"iq without namespace", Description{Name: "x", Routes: []Route{{Kind: IQ, To: ToServer, Handle: nop}}}, "namespace"},
		{"event without handler", Description{Name: "x", Events: []EventHandler{{Kind: SessionBound}}}, "event handler 0"},
		{"duplicate method", Description{Name: "x", Provides: []Method{
			{Name: "m", Handle: func(context.Context, string, []byte) ([]byte, error) { return nil, nil }},
			{Name: "m", Handle: func(context.Context, string, []byte) ([]byte, error) { return nil, nil }},
		}}, `method "m"`},
		{"requires without method", Description{Name: "x", Requires: []string{"roster"}}, "plugin.method"},
		{"requires any plugin", Description{Name: "x", Requires: []string{"*.items"}}, "plugin.method"},
		{"uses without method", Description{Name: "x", Uses: []string{"*"}}, "plugin.method or *.method"},
		{"feature without namespace", Description{Name: "x", StreamFeatures: []StreamFeature{{XML: "<register/>", Stage: StagePreAuth}}}, "no namespace"},
		{"feature without stage", Description{Name: "x", StreamFeatures: []StreamFeature{{XML: "<r xmlns='n'/>"}}}, "unknown stage"},
		{"archive on demand", Description{Name: "x", OnDemand: true, Observe: func(context.Context, ObservedBatch) error { return nil }}, "cannot be on demand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate(tt.d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestMetricNamesChecked: a metric name Prometheus or the core would
// refuse fails Describe.
func TestMetricNamesChecked(t *testing.T) {
	for _, m := range []Metric{
		NewCounter("Hits", ""),
		NewCounter("hits-total", ""),
		NewHistogram("latency", "", nil),
		NewHistogram("latency", "", []float64{2, 1}),
	} {
		d := Description{Name: "x", Metrics: []Metric{m}}
		if err := validate(d); err == nil {
			t.Errorf("%v accepted", m)
		}
	}
}
