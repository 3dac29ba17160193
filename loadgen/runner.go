package loadgen

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// Runner runs scenarios against one target. It keeps each user's
// credentials between scenarios, so that the SCRAM keys a client derived
// once (PBKDF2, on the client's side) are reused by every later login.
type Runner struct {
	cfg      Config
	opts     []*client.Options // by node, see Config.nodeOf
	accounts []*client.Account // user n is accounts[n-1]
}

// optsOf are the connection options of user n: those of its node.
func (r *Runner) optsOf(n int) *client.Options { return r.opts[r.cfg.nodeOf(n)] }

// NewRunner returns a runner for cfg.
func NewRunner(cfg Config) *Runner {
	r := &Runner{cfg: cfg, opts: cfg.clientOptions()}
	r.accounts = make([]*client.Account, cfg.Users)
	for i := range r.accounts {
		r.accounts[i] = cfg.account(i + 1)
	}
	return r
}

// run is the state of one scenario run.
type run struct {
	*Runner
	errs  errLog // failures: they fail the run
	warns errLog // worth saying, but not a failure (a server without rosters)
	m     *meter
}

// Run runs one scenario and reports what it measured. The error is for a
// run that could not take place (bad settings, a missing process); what
// went wrong during a run is counted in the Result, which then fails.
func (r *Runner) Run(ctx context.Context, scenario string) (*Result, error) {
	if err := r.cfg.Validate(scenario); err != nil {
		return nil, err
	}
	s := &run{Runner: r, m: newMeter(r.cfg.Progress)}
	defer s.m.stop()
	var res *Result
	var err error
	switch scenario {
	case "login":
		res = s.login(ctx)
	case "messages":
		res = s.messages(ctx)
	case "idle":
		res, err = s.idle(ctx)
	case "presence":
		res, err = s.presence(ctx)
	case "iq":
		res = s.iq(ctx)
	case "rooms":
		res = s.rooms(ctx)
	}
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		s.errs.add(fmt.Errorf("timeout: the run did not finish within --timeout"))
	}
	s.finish(res, scenario)
	return res, nil
}

func (s *run) finish(res *Result, scenario string) {
	cfg := &s.cfg
	res.Scenario = scenario
	res.Target = strings.Join(append([]string{cfg.Addr}, cfg.NodeAddrs...), ",")
	if cfg.Relay {
		res.Target = "relay " + cfg.Addr
	}
	res.Params.Users = cfg.Users
	res.Params.TLS = "starttls"
	if cfg.DirectTLS {
		res.Params.TLS = "direct"
	}
	if !cfg.Relay {
		res.Params.Mechanism = cfg.Mechanism
	} else if !cfg.DirectTLS {
		res.Params.TLS = "none"
	}
	if res.Elapsed > 0 {
		res.Rate = float64(res.Ops) / res.Elapsed
	}
	res.Errors = s.errs.count()
	res.ErrorReasons = s.errs.list()
	res.Warnings = s.warns.list()
	res.Pass = res.Errors == 0 && (res.Messages == nil || res.Messages.Lost == 0 && res.Messages.Duplicated == 0)
}

// forEach calls fn(worker, i) for i in [0, n) from that many workers
// (goroutines), showing progress under label. An error is counted and the
// loop goes on; the context's end stops it.
func (s *run) forEach(ctx context.Context, label string, n, workers int, fn func(worker, i int) error) {
	var next, done atomic.Int64
	s.m.phase(label, int64(n), done.Load)
	var wg sync.WaitGroup
	for w := range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(w, i); err != nil {
					s.errs.add(err)
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
}

// loginAll logs in users (1-based), cfg.Concurrency at a time, and returns
// their connections in the same order (nil for a failed login) and each
// login's latency in the worker's histogram of lat.
func (s *run) loginAll(ctx context.Context, label string, users []int, steps client.Steps, lat *latencies) []*client.Conn {
	conns := make([]*client.Conn, len(users))
	s.forEach(ctx, label, len(users), s.cfg.Concurrency, func(w, i int) error {
		t0 := time.Now()
		c, err := client.Login(ctx, s.optsOf(users[i]), s.accounts[users[i]-1], steps)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		lat.record(w, time.Since(t0))
		if c.RosterErr != nil {
			s.warns.add(fmt.Errorf("%w (the server may have no roster)", c.RosterErr))
		}
		conns[i] = c
		return nil
	})
	return conns
}

// logoutAll closes every stream, cfg.Concurrency at a time. Every
// connection is marked closing first, so that a reader whose peer left
// earlier (relay mode) does not report a disconnect.
func (s *run) logoutAll(ctx context.Context, conns []*client.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Closing()
		}
	}
	if ctx.Err() != nil {
		// Out of time: a graceful logout could wait on a stuck server.
		for _, c := range conns {
			if c != nil {
				c.Abort()
			}
		}
		return
	}
	s.forEach(ctx, "logout", len(conns), s.cfg.Concurrency, func(_, i int) error {
		if conns[i] != nil {
			conns[i].Logout()
		}
		return nil
	})
}

// usersFrom returns the user numbers first..first+n-1.
func usersFrom(first, n int) []int {
	u := make([]int, n)
	for i := range u {
		u[i] = first + i
	}
	return u
}
