package loadgen

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// iq has --concurrency sessions each send --count IQ requests one after
// another, each waiting for its answer: a ping to the server (XEP-0199,
// answered by the ping plugin on Switchboard) or a roster get (answered by
// the roster plugin). It reports round trips per second and their latency.
func (s *run) iq(ctx context.Context) *Result {
	cfg := &s.cfg
	res := &Result{Unit: "round trips"}
	res.Params.Concurrency, res.Params.Count, res.Params.IQ = cfg.Concurrency, cfg.Count, cfg.IQ
	conns := s.loginAll(ctx, "login", usersFrom(1, cfg.Concurrency), client.Steps{Roster: true, Presence: true}, nil)

	lat := newLatencies(len(conns))
	done := make([]paddedCounter, len(conns))
	s.m.phase("iq "+cfg.IQ, int64(len(conns)*cfg.Count), func() int64 {
		var n int64
		for i := range done {
			n += done[i].n.Load()
		}
		return n
	})
	cpu0, t0 := s.cpuNow(), time.Now()
	var wg sync.WaitGroup
	for i, c := range conns {
		if c != nil {
			wg.Go(func() { s.roundTrips(ctx, c, i, lat, &done[i].n) })
		}
	}
	wg.Wait()
	res.Elapsed = time.Since(t0).Seconds()
	s.chargeCPU(res, cpu0)
	for i := range done {
		res.Ops += done[i].n.Load()
	}
	res.Latency = latencyOf(lat.merged())
	s.logoutAll(ctx, conns)
	return res
}

type paddedCounter struct {
	n atomic.Int64
	_ [56]byte
}

// roundTrips runs one session's requests. The request is rebuilt in place
// with a new id each time; the first error ends the session, since a
// server that refuses one request refuses them all.
func (s *run) roundTrips(ctx context.Context, c *client.Conn, w int, lat *latencies, done *atomic.Int64) {
	prefix, suffix := "<iq type='get' id='", "'><query xmlns='jabber:iq:roster'/></iq>"
	if s.cfg.IQ == "ping" {
		prefix = "<iq type='get' to='" + string(stream.AppendEscapedAttr(nil, s.cfg.Domain)) + "' id='"
		suffix = "'><ping xmlns='urn:xmpp:ping'/></iq>"
	}
	req := make([]byte, 0, len(prefix)+8+len(suffix))
	for k := 0; k < s.cfg.Count && ctx.Err() == nil; k++ {
		req = append(req[:0], prefix...)
		req = append(req, "00000000"...)
		id := req[len(prefix):]
		putHex(id, uint64(k))
		req = append(req, suffix...)
		t0 := time.Now()
		if err := c.Write(req); err != nil {
			s.errs.add(err)
			return
		}
		el, err := s.awaitAnswer(c, id)
		if err != nil {
			s.errs.add(err)
			return
		}
		if string(el.AttrBytes("type")) == "error" {
			s.errs.add(&client.StanzaError{What: s.cfg.IQ, Condition: client.ErrorCondition(el.Raw)})
			return
		}
		lat.record(w, time.Since(t0))
		done.Add(1)
	}
}

func (s *run) awaitAnswer(c *client.Conn, id []byte) (*stream.Element, error) {
	for {
		el, err := c.Next()
		if err != nil {
			return nil, err
		}
		if el.Name.Local == "iq" && bytes.Equal(el.AttrBytes("id"), id) {
			return el, nil
		}
	}
}
