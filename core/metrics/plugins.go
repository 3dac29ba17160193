package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PluginCalls are one plugin process's stanza calls, a histogram child per
// route and result resolved when its manifest is read: a call costs an
// observation, never a label lookup.
type PluginCalls struct {
	ok, declined, failed []prometheus.Observer
}

// PluginRoutes resolves the observers of plugin's routes, named by routes
// (in manifest order). With nil metrics it returns nil, which records
// nothing.
func (m *Metrics) PluginRoutes(plugin string, routes []string) *PluginCalls {
	if m == nil {
		return nil
	}
	c := &PluginCalls{
		ok:       make([]prometheus.Observer, len(routes)),
		declined: make([]prometheus.Observer, len(routes)),
		failed:   make([]prometheus.Observer, len(routes)),
	}
	for i, r := range routes {
		c.ok[i] = m.pluginCalls.WithLabelValues(plugin, r, "ok")
		c.declined[i] = m.pluginCalls.WithLabelValues(plugin, r, "declined")
		c.failed[i] = m.pluginCalls.WithLabelValues(plugin, r, "error")
	}
	return c
}

// Call outcomes.
const (
	CallOK       = iota // the plugin answered
	CallDeclined        // the plugin declined the stanza ("not mine")
	CallFailed          // a stanza error, or the call itself failed
)

// Observe records a call to route (its index in the manifest) that
// started at start and ended with outcome.
func (c *PluginCalls) Observe(route uint32, outcome int, start time.Time) {
	if c == nil || int(route) >= len(c.ok) {
		return
	}
	o := c.ok[route]
	switch outcome {
	case CallDeclined:
		o = c.declined[route]
	case CallFailed:
		o = c.failed[route]
	}
	o.Observe(time.Since(start).Seconds())
}

// PluginEvents are one plugin's event counters, a child per kind resolved
// when the plugin starts: an event costs an increment, never a label
// lookup.
type PluginEvents struct{ byKind []prometheus.Counter }

// PluginEventKinds resolves the counters of plugin's events; kinds names
// each kind by its number ("" for none). With nil metrics it returns nil,
// which counts nothing.
func (m *Metrics) PluginEventKinds(plugin string, kinds []string) *PluginEvents {
	if m == nil {
		return nil
	}
	e := &PluginEvents{byKind: make([]prometheus.Counter, len(kinds))}
	for k, name := range kinds {
		if name != "" {
			e.byKind[k] = m.pluginEvents.WithLabelValues(plugin, name)
		}
	}
	return e
}

// Inc counts an event of kind.
func (e *PluginEvents) Inc(kind int) {
	if e == nil || kind < 0 || kind >= len(e.byKind) || e.byKind[kind] == nil {
		return
	}
	e.byKind[kind].Inc()
}
