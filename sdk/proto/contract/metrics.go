package contract

import (
	"fmt"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// CheckMetrics checks a plugin's own metrics as its manifest declares
// them: each named in lower_snake_case, once, with a type, and a
// histogram's buckets increasing. The sdk applies it to a Description,
// the core to the manifest of any plugin.
func CheckMetrics(ms []*pluginv1.MetricDesc) error {
	seen := map[string]bool{}
	for _, m := range ms {
		if !snake(m.GetName()) {
			return fmt.Errorf("metric %q: the name must be lower_snake_case ([a-z][a-z0-9_]*)", m.GetName())
		}
		if seen[m.GetName()] {
			return fmt.Errorf("metric %q: declared twice", m.GetName())
		}
		seen[m.GetName()] = true
		switch m.GetType() {
		case pluginv1.MetricType_METRIC_TYPE_COUNTER, pluginv1.MetricType_METRIC_TYPE_GAUGE:
		case pluginv1.MetricType_METRIC_TYPE_HISTOGRAM:
			b := m.GetBuckets()
			if len(b) == 0 {
				return fmt.Errorf("metric %q: a histogram needs buckets", m.GetName())
			}
			for i := 1; i < len(b); i++ {
				if b[i] <= b[i-1] {
					return fmt.Errorf("metric %q: buckets must increase", m.GetName())
				}
			}
		default:
			return fmt.Errorf("metric %q: no type", m.GetName())
		}
	}
	return nil
}

// CheckMetricValues checks that a Metrics answer fits the declarations:
// one value per metric, a histogram's with one count per bucket.
func CheckMetricValues(ms []*pluginv1.MetricDesc, vs []*pluginv1.MetricValue) error {
	if len(vs) != len(ms) {
		return fmt.Errorf("%d metric values for %d metrics", len(vs), len(ms))
	}
	for i, m := range ms {
		if m.GetType() == pluginv1.MetricType_METRIC_TYPE_HISTOGRAM && len(vs[i].GetBucketCounts()) != len(m.GetBuckets()) {
			return fmt.Errorf("metric %q: %d bucket counts for %d buckets", m.GetName(), len(vs[i].GetBucketCounts()), len(m.GetBuckets()))
		}
	}
	return nil
}

// MetricName is the name the core exposes a plugin's metric under:
// switchboard_plugin_<plugin>_<metric>, with anything in the plugin's
// name that Prometheus does not allow in a name made "_".
func MetricName(plugin, metric string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, plugin)
	return "switchboard_plugin_" + clean + "_" + metric
}

func snake(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
