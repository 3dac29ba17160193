package loadgen

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/loadgen/client"
	"github.com/switchboard-xmpp/switchboard/loadgen/histogram"
)

// presence measures presence fan-out: every user has --contacts contacts
// with mutual subscriptions (set up by protocol first where the rosters
// lack them); all users log in without presence, then all send initial
// presence at once, and the time runs until each user has received an
// available presence from each of its contacts — by broadcast from those
// who came later, by probe answers for those who were there before.
func (s *run) presence(ctx context.Context) (*Result, error) {
	cfg := &s.cfg
	g := ring{users: cfg.Users, contacts: cfg.Contacts}
	res := &Result{Unit: "presences"}
	res.Params.Contacts, res.Params.Concurrency = cfg.Contacts, cfg.Concurrency
	if err := s.subscribeAll(ctx, g); err != nil {
		return nil, err
	}
	conns := s.loginAll(ctx, "login", usersFrom(1, cfg.Users), client.Steps{Roster: true}, nil)
	fan := &fanout{begun: make(chan struct{})}
	watches := make([]*presenceWatch, len(conns))
	var got atomic.Int64 // progress only: bumped once per user, when complete
	for i, c := range conns {
		if c == nil {
			continue
		}
		w := &presenceWatch{user: i + 1, g: g, prefix: cfg.UserPrefix, fan: fan, seen: make([]bool, g.contacts), all: &got}
		watches[i] = w
		c.Reader(w.handle, func(err error) {
			if err != nil {
				s.errs.add(err)
			}
		})
	}
	s.m.phase("presence", int64(len(conns)), got.Load)
	cpu0 := s.cpuNow()
	fan.start = time.Now()
	close(fan.begun)
	for _, c := range conns {
		if c != nil {
			if err := c.Write([]byte("<presence/>")); err != nil {
				s.errs.add(err)
			}
		}
	}
	s.awaitQuiet(ctx, func() (int64, bool) {
		var n int64
		complete := true
		for _, w := range watches {
			if w != nil {
				u := w.unique.Load()
				n += u
				complete = complete && int(u) == g.contacts
			}
		}
		return n, complete
	})
	s.chargeCPU(res, cpu0)
	s.logoutAll(ctx, conns)

	var last time.Duration
	var arrivals histogram.Histogram
	missing := 0
	for _, w := range watches {
		if w == nil {
			continue
		}
		res.Ops += w.unique.Load()
		missing += g.contacts - int(w.unique.Load())
		last = max(last, w.last)
		arrivals.Merge(&w.hist)
	}
	if missing > 0 {
		s.errs.add(fmt.Errorf("lost: %d expected presences never arrived", missing))
	}
	res.Elapsed = last.Seconds()
	res.Latency = latencyOf(&arrivals) // time from the start of the fan-out to each arrival
	return res, nil
}

// awaitQuiet polls progress until it reports done, or its count has not
// moved for --grace.
func (s *run) awaitQuiet(ctx context.Context, progress func() (n int64, done bool)) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	prev, quietSince := int64(-1), time.Now()
	for {
		n, done := progress()
		if done {
			return
		}
		if n != prev {
			prev, quietSince = n, time.Now()
		} else if time.Since(quietSince) > s.cfg.Grace {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// fanout is when all users began sending initial presence; readers wait
// on begun before reading start, which orders the two without a lock.
type fanout struct {
	start time.Time
	begun chan struct{}
}

// presenceWatch counts the available presences one user receives from its
// contacts; its reader goroutine alone writes it.
type presenceWatch struct {
	user   int
	g      ring
	prefix string
	fan    *fanout
	seen   []bool
	unique atomic.Int64
	last   time.Duration // since the fan-out began
	hist   histogram.Histogram
	all    *atomic.Int64
}

func (w *presenceWatch) handle(el *stream.Element) {
	if el.Name.Local != "presence" || el.HasAttr("type") {
		return // only available presence counts (RFC 6121 §4.7.1: no type)
	}
	k := w.g.position(w.user, userNumber(el.AttrBytes("from"), w.prefix))
	if k < 0 || w.seen[k] {
		return
	}
	w.seen[k] = true
	<-w.fan.begun
	now := time.Since(w.fan.start)
	w.last = now
	w.hist.Record(now)
	if int(w.unique.Add(1)) == w.g.contacts {
		w.all.Add(1)
	}
}
