package server

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// registerMetrics adds what is read when scraped: the sessions and
// connections held, and each plugin's state.
func (s *Server) registerMetrics() error {
	if s.metrics == nil {
		return nil
	}
	for _, g := range []struct {
		name, help string
		read       func() float64
	}{
		{"sessions", "Bound client sessions, stream-management sessions waiting for resumption included.", func() float64 { return float64(s.sessions.Len()) }},
		{"client_connections", "Client connections open, every listener together.", func() float64 { return float64(s.c2s.Len()) }},
	} {
		if err := s.metrics.Gauge(g.name, g.help, g.read); err != nil {
			return fmt.Errorf("registering metric %s: %w", g.name, err)
		}
	}
	if err := s.metrics.Register(newPluginCollector(s), ownMetricsCollector{s}); err != nil {
		return fmt.Errorf("registering plugin metrics: %w", err)
	}
	return nil
}

// pluginCollector reports each plugin's state from the host's status,
// and its process's CPU time and memory from /proc.
type pluginCollector struct {
	s                     *Server
	up, idle, restarts    *prometheus.Desc
	inFlight, cpu, memory *prometheus.Desc
}

func newPluginCollector(s *Server) pluginCollector {
	return pluginCollector{
		s:        s,
		up:       prometheus.NewDesc("switchboard_plugin_up", "1 when the plugin serves: its process runs, or it is on demand and stopped while idle (the next call starts it); 0 while it restarts, has failed or is stopped.", []string{"plugin"}, nil),
		idle:     prometheus.NewDesc("switchboard_plugin_idle", "1 while an on-demand plugin's process is stopped for idleness (memory.stop_idle_plugins), else 0.", []string{"plugin"}, nil),
		restarts: prometheus.NewDesc("switchboard_plugin_restarts_total", "Times the plugin's process was restarted after it ended.", []string{"plugin"}, nil),
		inFlight: prometheus.NewDesc("switchboard_plugin_requests_in_flight", "Requests the plugin is handling now.", []string{"plugin"}, nil),
		cpu:      prometheus.NewDesc("switchboard_plugin_cpu_seconds_total", "CPU time (user and system) the plugin's current process has used.", []string{"plugin"}, nil),
		memory:   prometheus.NewDesc("switchboard_plugin_resident_memory_bytes", "Resident memory of the plugin's process.", []string{"plugin"}, nil),
	}
}

func (c pluginCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.idle
	ch <- c.restarts
	ch <- c.inFlight
	ch <- c.cpu
	ch <- c.memory
}

func (c pluginCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.s.plugins.Status() {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, gauge(st.Up), st.Name)
		ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, gauge(st.Idle), st.Name)
		ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(st.Restarts), st.Name)
		ch <- prometheus.MustNewConstMetric(c.inFlight, prometheus.GaugeValue, float64(st.InFlight), st.Name)
		// No /proc (not Linux), or the process just ended: no sample,
		// rather than a zero that reads as an idle plugin.
		if st.PID == 0 {
			continue
		}
		stat, err := procStat(st.PID)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.cpu, prometheus.CounterValue, stat.CPUTime(), st.Name)
		ch <- prometheus.MustNewConstMetric(c.memory, prometheus.GaugeValue, float64(stat.ResidentMemory()), st.Name)
	}
}

func procStat(pid int) (procfs.ProcStat, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return procfs.ProcStat{}, err
	}
	return p.Stat()
}

// ownMetricsCollector reports the metrics plugins declare themselves
// (sdk.Metric), read from each when scraped. Which ones there are changes
// as plugins start and stop, so it describes none: an unchecked
// collector.
type ownMetricsCollector struct{ s *Server }

func (ownMetricsCollector) Describe(chan<- *prometheus.Desc) {}

func (c ownMetricsCollector) Collect(ch chan<- prometheus.Metric) {
	// A scrape has no context of its own; each plugin's answer is bounded
	// by the plugin call timeout.
	for _, pm := range c.s.plugins.Metrics(context.Background()) {
		for i, d := range pm.Descs {
			m, err := constMetric(prometheus.NewDesc(contract.MetricName(pm.Plugin, d.GetName()), d.GetHelp(), nil, nil), d, pm.Values[i])
			if err != nil {
				ch <- prometheus.NewInvalidMetric(prometheus.NewInvalidDesc(err), err)
				continue
			}
			ch <- m
		}
	}
}

func constMetric(desc *prometheus.Desc, d *pluginv1.MetricDesc, v *pluginv1.MetricValue) (prometheus.Metric, error) {
	switch d.GetType() {
	case pluginv1.MetricType_METRIC_TYPE_COUNTER:
		return prometheus.NewConstMetric(desc, prometheus.CounterValue, v.GetValue())
	case pluginv1.MetricType_METRIC_TYPE_HISTOGRAM:
		buckets := make(map[float64]uint64, len(d.GetBuckets()))
		for i, b := range d.GetBuckets() {
			buckets[b] = v.GetBucketCounts()[i]
		}
		return prometheus.NewConstHistogram(desc, v.GetCount(), v.GetSum(), buckets)
	}
	return prometheus.NewConstMetric(desc, prometheus.GaugeValue, v.GetValue())
}

// startMetrics serves /metrics on listen.metrics.
func (s *Server) startMetrics() error {
	if s.metrics == nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Listen.Metrics)
	if err != nil {
		return fmt.Errorf("listening for metrics on %s: %w", s.cfg.Listen.Metrics, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler(s.log.Named("metrics").StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn})))
	s.metricsWeb = &http.Server{Handler: mux, ReadHeaderTimeout: s.cfg.Limits.PreauthTimeout, IdleTimeout: s.cfg.Limits.HTTPIdleTimeout}
	s.metricsAddr = ln.Addr()
	s.log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	go s.metricsWeb.Serve(ln)
	return nil
}

// MetricsAddr is the address of the metrics listener, or nil.
func (s *Server) MetricsAddr() net.Addr { return s.metricsAddr }

func gauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
