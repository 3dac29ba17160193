// Package loadgen is the load generator behind `switchboard bench`: it
// drives any XMPP server (or the bare relay in bench/relay) with one of a
// few scenarios — logins, messages between pairs, idle sessions, presence
// fan-out, IQ round trips — and reports rates, latency percentiles,
// losses and its own CPU time.
//
// The client side lives in loadgen/client and is written so that the tool
// is not what limits a run: stanzas are read as raw bytes with the core's
// stream reader, written in batches, one goroutine reads each connection,
// and all per-connection state (counters, latency histograms from
// loadgen/histogram) is owned by that connection's goroutines and merged
// only at the end.
package loadgen
