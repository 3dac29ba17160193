package pluginhost

import (
	"context"
	"sync"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// PluginMetrics are the metrics one plugin declares and their values now.
type PluginMetrics struct {
	Plugin string
	Descs  []*pluginv1.MetricDesc
	Values []*pluginv1.MetricValue // one per desc, in order
}

// Metrics reads the own metrics of every running plugin that declares
// some, all at once, each within the call timeout. A plugin that does not
// answer, or answers what it did not declare, is left out and logged: its
// series go missing from that scrape, which is what Prometheus expects of
// a target that cannot say.
func (h *Host) Metrics(ctx context.Context) []PluginMetrics {
	h.mu.Lock()
	var ins []*instance
	for _, in := range h.live() {
		if len(in.manifestOf().GetMetrics()) > 0 && in.tryAcquire() {
			ins = append(ins, in)
		}
	}
	h.mu.Unlock()
	out := make([]PluginMetrics, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer in.release()
			out[i] = in.metrics(ctx)
		}()
	}
	wg.Wait()
	kept := out[:0]
	for _, m := range out {
		if m.Values != nil {
			kept = append(kept, m)
		}
	}
	return kept
}

func (in *instance) metrics(ctx context.Context) PluginMetrics {
	m := in.manifestOf()
	rem := in.remoteOf()
	ctx, cancel := context.WithTimeout(ctx, in.h.cfg.CallTimeout)
	defer cancel()
	resp, err := rem.client.Metrics(ctx, &pluginv1.MetricsRequest{})
	if err == nil {
		err = contract.CheckMetricValues(m.GetMetrics(), resp.GetValues())
	}
	if err != nil {
		in.log.Warn("reading the plugin's metrics", "error", describeErr(err))
		return PluginMetrics{}
	}
	return PluginMetrics{Plugin: in.spec.Name, Descs: m.GetMetrics(), Values: resp.GetValues()}
}
