package loadgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen/histogram"
)

// Result is what one scenario measured. It is printed as one summary line,
// or marshalled as one JSON object for machines.
type Result struct {
	Scenario string  `json:"scenario"`
	Target   string  `json:"target"` // the address driven, "relay ADDR" for the relay
	Params   Params  `json:"params"`
	Elapsed  float64 `json:"elapsed_s"` // of the measured phase
	Ops      int64   `json:"ops"`       // units completed in it
	Unit     string  `json:"unit"`      // what a unit is: logins, messages, round trips …
	Rate     float64 `json:"rate_per_s"`

	Latency    *Latency   `json:"latency_ms,omitempty"`
	RoundRates []float64  `json:"round_rates,omitempty"` // login: per round; the first pays client-side PBKDF2
	Messages   *Delivery  `json:"messages,omitempty"`
	Nodes      *NodeSplit `json:"nodes,omitempty"` // messages against a cluster (--node-addrs)
	Memory     *Memory    `json:"memory,omitempty"`
	Items      int64      `json:"items,omitempty"` // iq mam-*: archived messages the answers carried

	Errors       int64    `json:"errors"`
	ErrorReasons []string `json:"error_reasons,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	ToolCPU      float64  `json:"tool_cpu_s"`             // user+system time of the load tool in the measured phase
	ServerCPU    float64  `json:"server_cpu_s,omitempty"` // the same of the server and its children, with --pid
	Pass         bool     `json:"pass"`                   // no errors, nothing lost or duplicated
}

// Params echo the settings that shaped the run.
type Params struct {
	Users       int     `json:"users"`
	Concurrency int     `json:"concurrency,omitempty"`
	Rounds      int     `json:"rounds,omitempty"`
	Pairs       int     `json:"pairs,omitempty"`
	Count       int     `json:"count,omitempty"`
	Window      int     `json:"window,omitempty"`
	Size        int     `json:"size,omitempty"`
	Rate        float64 `json:"rate,omitempty"` // messages: the paced rate aimed at
	Contacts    int     `json:"contacts,omitempty"`
	IQ          string  `json:"iq,omitempty"`
	Page        int     `json:"page,omitempty"` // iq mam-*
	Rooms       int     `json:"rooms,omitempty"`
	Occupants   int     `json:"occupants,omitempty"`
	TLS         string  `json:"tls"` // starttls or direct
	Mechanism   string  `json:"mechanism,omitempty"`
}

// NodeSplit is a messages run against a cluster, by pair: both users on
// one node, or on two.
type NodeSplit struct {
	Nodes          int      `json:"nodes"`
	SameDelivered  int64    `json:"same_node_delivered"`
	CrossDelivered int64    `json:"cross_node_delivered"`
	Same           *Latency `json:"same_node_latency_ms,omitempty"`
	Cross          *Latency `json:"cross_node_latency_ms,omitempty"`
}

// Latency summarises a histogram in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// Delivery is the messages scenario's accounting.
type Delivery struct {
	Sent       int64 `json:"sent"`
	Delivered  int64 `json:"delivered"`
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
}

// Memory is the idle scenario's measurement of the server.
type Memory struct {
	PID            int     `json:"pid"`
	Processes      int     `json:"processes"` // the server and its plugin processes
	BeforeKiB      int64   `json:"before_kib"`
	AfterKiB       int64   `json:"after_kib"`
	PerSessionKiB  float64 `json:"per_session_kib"`
	SessionsActive int     `json:"sessions"`
}

func latencyOf(h *histogram.Histogram) *Latency {
	if h.Count() == 0 {
		return nil
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	return &Latency{P50: ms(h.Quantile(0.5)), P99: ms(h.Quantile(0.99)), Mean: ms(h.Mean()), Max: ms(h.Max())}
}

// Summary is the one-line human report.
func (r *Result) Summary() string {
	var b strings.Builder
	name := r.Scenario
	if r.Params.IQ != "" {
		name += " " + r.Params.IQ
	}
	fmt.Fprintf(&b, "%-12s %d %s in %.2fs: %s %s/s", name, r.Ops, r.Unit, r.Elapsed, human(r.Rate), r.Unit)
	if l := r.Latency; l != nil {
		fmt.Fprintf(&b, ", p50 %s p99 %s", ms(l.P50), ms(l.P99))
	}
	if len(r.RoundRates) > 1 {
		rates := make([]string, len(r.RoundRates))
		for i, x := range r.RoundRates {
			rates[i] = human(x)
		}
		fmt.Fprintf(&b, " (rounds: %s)", strings.Join(rates, ", "))
	}
	if r.Items > 0 {
		fmt.Fprintf(&b, ", %d archived messages returned", r.Items)
	}
	if m := r.Messages; m != nil {
		fmt.Fprintf(&b, ", lost %d, duplicated %d", m.Lost, m.Duplicated)
	}
	if n := r.Nodes; n != nil && n.Same != nil && n.Cross != nil {
		fmt.Fprintf(&b, " (%d nodes: same-node pairs %d, p50 %s p99 %s; cross-node pairs %d, p50 %s p99 %s)",
			n.Nodes, n.SameDelivered, ms(n.Same.P50), ms(n.Same.P99), n.CrossDelivered, ms(n.Cross.P50), ms(n.Cross.P99))
	}
	if m := r.Memory; m != nil {
		fmt.Fprintf(&b, ", server RSS %s → %s in %d processes: %.1f KiB/session",
			kib(m.BeforeKiB), kib(m.AfterKiB), m.Processes, m.PerSessionKiB)
	}
	fmt.Fprintf(&b, ", errors %d, tool CPU %s", r.Errors, cpuShare(r.ToolCPU, r.Elapsed))
	if r.ServerCPU > 0 {
		fmt.Fprintf(&b, ", server CPU %s", cpuShare(r.ServerCPU, r.Elapsed))
	}
	if r.Pass {
		b.WriteString(" PASS")
	} else {
		b.WriteString(" FAIL")
	}
	return b.String()
}

// human renders a rate with three significant digits.
func human(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.2f", x)
	}
}

func ms(x float64) string {
	if x < 1 {
		return fmt.Sprintf("%.0fµs", x*1000)
	}
	return human(x) + "ms"
}

// cpuShare renders CPU seconds with their share of the elapsed time,
// where 100% is one core kept busy.
func cpuShare(cpu, elapsed float64) string {
	if elapsed <= 0 {
		return fmt.Sprintf("%.2fs", cpu)
	}
	return fmt.Sprintf("%.2fs (%.0f%%)", cpu, 100*cpu/elapsed)
}

func kib(x int64) string {
	return fmt.Sprintf("%.1f MiB", float64(x)/1024)
}
