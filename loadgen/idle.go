package loadgen

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// procRoot is where process information is read from.
const procRoot = "/proc"

// idle logs --users sessions in and holds them. With --pid it reports the
// growth of the server's resident memory (its process and its children,
// the plugin processes) per session: measured before the first login and
// again --settle after the last, when the server has done what a new
// session makes it do.
func (s *run) idle(ctx context.Context) (*Result, error) {
	cfg := &s.cfg
	res := &Result{Unit: "sessions"}
	res.Params.Concurrency = cfg.Concurrency
	if cfg.PID > 0 {
		before, procs, err := treeRSS(procRoot, cfg.PID)
		if err != nil {
			return nil, fmt.Errorf("--pid %d: %w", cfg.PID, err)
		}
		res.Memory = &Memory{PID: cfg.PID, BeforeKiB: before, Processes: procs}
	}
	lat := newLatencies(cfg.Concurrency)
	cpu0, t0 := s.cpuNow(), time.Now()
	conns := s.loginAll(ctx, "login", usersFrom(1, cfg.Users), client.Steps{Roster: true, Presence: true}, lat)
	res.Elapsed = time.Since(t0).Seconds()
	s.chargeCPU(res, cpu0)
	res.Latency = latencyOf(lat.merged())

	// Readers answer the server's pings and notice a dropped session.
	var dropped atomic.Int64
	for _, c := range conns {
		if c == nil {
			continue
		}
		res.Ops++
		c.Reader(func(*stream.Element) {}, func(err error) {
			if err != nil {
				dropped.Add(1)
				s.errs.add(err)
			}
		})
	}
	s.wait(ctx, "settle", cfg.Settle)
	if m := res.Memory; m != nil && res.Ops > 0 {
		after, procs, err := treeRSS(procRoot, cfg.PID)
		if err != nil {
			s.errs.add(fmt.Errorf("measuring memory: %w", err))
		} else {
			m.AfterKiB, m.Processes = after, procs
			m.SessionsActive = int(res.Ops - dropped.Load())
			m.PerSessionKiB = float64(m.AfterKiB-m.BeforeKiB) / float64(max(m.SessionsActive, 1))
		}
	}
	s.wait(ctx, "hold", cfg.Hold)
	s.logoutAll(ctx, conns)
	return res, nil
}

// wait lets d pass (or the run end), showing it on the progress bar.
func (s *run) wait(ctx context.Context, label string, d time.Duration) {
	if d <= 0 {
		return
	}
	t0 := time.Now()
	s.m.phase(label, d.Milliseconds(), func() int64 { return time.Since(t0).Milliseconds() })
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
