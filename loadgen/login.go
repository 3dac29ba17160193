package loadgen

import (
	"context"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// login logs every user in, cfg.Concurrency at a time, holds them until
// all are in, and logs them out; --rounds times. A login is the whole of
// what a client does before it chats: TCP, TLS, SASL, bind, session if
// required, roster get and initial presence. Its latency runs from the
// dial to the presence written. The rate counts login phases only.
//
// The first round also pays, on the client side, the PBKDF2 of each
// user's password (the SCRAM client caches the derived keys per user
// afterwards), which a real population of clients would spread over many
// machines; later rounds show the server alone, hence the per-round rates.
func (s *run) login(ctx context.Context) *Result {
	users := usersFrom(1, s.cfg.Users)
	lat := newLatencies(s.cfg.Concurrency)
	res := &Result{Unit: "logins"}
	res.Params.Concurrency, res.Params.Rounds = s.cfg.Concurrency, s.cfg.Rounds
	steps := client.Steps{Roster: true, Presence: true}
	for range s.cfg.Rounds {
		if ctx.Err() != nil {
			break
		}
		cpu0, t0 := s.cpuNow(), time.Now()
		conns := s.loginAll(ctx, "login", users, steps, lat)
		elapsed := time.Since(t0)
		s.chargeCPU(res, cpu0)
		var ok int64
		for _, c := range conns {
			if c != nil {
				ok++
			}
		}
		res.Ops += ok
		res.Elapsed += elapsed.Seconds()
		res.RoundRates = append(res.RoundRates, float64(ok)/elapsed.Seconds())
		s.logoutAll(ctx, conns)
	}
	res.Latency = latencyOf(lat.merged())
	return res
}
