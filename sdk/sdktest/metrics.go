package sdktest

import (
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Metrics reads the plugin's metrics (Description.Metrics) as the core
// does when scraped, by the names the core shows them under: a counter's
// or gauge's value as switchboard_plugin_<plugin>_<name>, a histogram's
// count and sum under that name with _count and _sum. It fails the test
// if the answer does not fit the declarations.
func (h *Harness) Metrics() map[string]float64 {
	h.t.Helper()
	ctx, cancel := h.ctx()
	defer cancel()
	resp, err := h.plugin.Metrics(ctx, &pluginv1.MetricsRequest{})
	if err != nil {
		h.t.Fatalf("metrics: %v", err)
	}
	descs := h.manifest.GetMetrics()
	if err := contract.CheckMetricValues(descs, resp.GetValues()); err != nil {
		h.t.Fatalf("metrics: %v", err)
	}
	out := map[string]float64{}
	for i, d := range descs {
		name, v := contract.MetricName(h.manifest.GetName(), d.GetName()), resp.GetValues()[i]
		if d.GetType() == pluginv1.MetricType_METRIC_TYPE_HISTOGRAM {
			out[name+"_count"], out[name+"_sum"] = float64(v.GetCount()), v.GetSum()
			continue
		}
		out[name] = v.GetValue()
	}
	return out
}

// CheckConfig asks the plugin to check a config section, as `switchboard
// config check` does, without configuring it; it returns the plugin's
// words.
func (h *Harness) CheckConfig(config map[string]any) error {
	raw, err := json.Marshal(config)
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	ctx, cancel := h.ctx()
	defer cancel()
	if _, err := h.plugin.CheckConfig(ctx, &pluginv1.CheckConfigRequest{ConfigJson: raw}); err != nil {
		return errors.New(status.Convert(err).Message())
	}
	return nil
}
