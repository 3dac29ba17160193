// Package metrics is the server's Prometheus registry: what the core
// counts (logins, stanzas, errors, connections, store operations) and what
// it reads when scraped (sessions, plugins, the Go runtime and the
// process). Every method works on a nil *Metrics and does nothing, so
// that a component built without metrics (in tests) needs no branch.
package metrics

import (
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "switchboard"

// Metrics holds one server's metrics in a registry of its own.
type Metrics struct {
	reg          *prometheus.Registry
	logins       *prometheus.CounterVec
	stanzas      map[string]prometheus.Counter // by kind, resolved once: counted per stanza
	stanzaErrors *prometheus.CounterVec
	connections  *prometheus.CounterVec
	storeOps     *prometheus.HistogramVec
	pluginCalls  *prometheus.HistogramVec
	pluginEvents *prometheus.CounterVec
}

// New returns the metrics of one server, with the Go runtime's and the
// process's.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "logins_total",
		Help: "SASL authentications by mechanism and result (success, failure).",
	}, []string{"mechanism", "result"})
	routed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "stanzas_routed_total",
		Help: "Stanzas from clients routed, by kind (message, presence, iq).",
	}, []string{"kind"})
	m.stanzas = map[string]prometheus.Counter{}
	for _, kind := range []string{"message", "presence", "iq"} {
		m.stanzas[kind] = routed.WithLabelValues(kind)
	}
	m.stanzaErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "stanza_errors_total",
		Help: "Stanza errors the server returned to senders, by condition (RFC 6120 §8.3.3).",
	}, []string{"condition"})
	m.connections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "connections_total",
		Help: "Connections accepted, by listener.",
	}, []string{"listener"})
	m.storeOps = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "store_operation_seconds",
		Help:    "Store operations by operation and result (ok, error), with their latency.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9),
	}, []string{"operation", "result"})
	m.pluginCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "plugin_call_seconds",
		Help:    "Stanzas handed to plugins, by plugin, route and result (ok, declined, error), with the time the plugin took.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9),
	}, []string{"plugin", "route", "result"})
	m.pluginEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "plugin_events_total",
		Help: "Events queued for plugins (session bound, available, closed, published …), by plugin and kind.",
	}, []string{"plugin", "kind"})
	m.reg.MustRegister(m.logins, routed, m.stanzaErrors, m.connections, m.storeOps, m.pluginCalls, m.pluginEvents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus's text format. A metric that
// cannot be gathered (a plugin's that clashes with another's name) is
// left out and logged, and the page served with the rest.
func (m *Metrics) Handler(errorLog promhttp.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorLog: errorLog, ErrorHandling: promhttp.ContinueOnError})
}

// Register adds collectors of other components (sessions, plugins).
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	if m == nil {
		return nil
	}
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Login counts one SASL authentication that ended.
func (m *Metrics) Login(mechanism string, ok bool) {
	if m == nil {
		return
	}
	result := "failure"
	if ok {
		result = "success"
	}
	m.logins.WithLabelValues(mechanism, result).Inc()
}

// Routed counts a stanza a client sent, by kind.
func (m *Metrics) Routed(kind string) {
	if m == nil {
		return
	}
	if c, ok := m.stanzas[kind]; ok {
		c.Inc()
	}
}

// Bounced counts a stanza error returned to a sender.
func (m *Metrics) Bounced(condition string) {
	if m == nil {
		return
	}
	m.stanzaErrors.WithLabelValues(condition).Inc()
}

// Accepted counts a connection accepted on listener.
func (m *Metrics) Accepted(listener string) {
	if m == nil {
		return
	}
	m.connections.WithLabelValues(listener).Inc()
}

// StoreOp records one store operation that started at start.
func (m *Metrics) StoreOp(op string, start time.Time, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.storeOps.WithLabelValues(op, result).Observe(time.Since(start).Seconds())
}

// Listener counts the connections l accepts under name.
func (m *Metrics) Listener(l net.Listener, name string) net.Listener {
	if m == nil {
		return l
	}
	return countingListener{Listener: l, accepted: m.connections.WithLabelValues(name)}
}

type countingListener struct {
	net.Listener
	accepted prometheus.Counter
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Inc()
	}
	return c, err
}

// Gauge registers a value read when scraped.
func (m *Metrics) Gauge(name, help string, read func() float64) error {
	return m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, read))
}
