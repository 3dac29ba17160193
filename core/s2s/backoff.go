package s2s

import (
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// sweepFailedAt is how many unreachable domains are remembered before
// those whose wait is over are forgotten.
const sweepFailedAt = 1024

// backoff is a remote domain that could not be reached: until when it is
// not tried again, and how many times in a row it failed.
type backoff struct {
	until    time.Time
	failures int
}

// unreachable records a failed attempt to reach domain and returns how
// long it is not tried again.
func (s *Server) unreachable(domain string) time.Duration {
	if s.cfg.RetryMin <= 0 {
		return 0
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.failed[domain]
	if b == nil && len(s.failed) >= sweepFailedAt {
		// Users may address any number of domains that do not answer:
		// those whose wait is over are forgotten, not kept forever.
		for d, f := range s.failed {
			if !now.Before(f.until) {
				delete(s.failed, d)
			}
		}
	}
	if b == nil {
		b = &backoff{}
		s.failed[domain] = b
	}
	b.failures++
	d := s.cfg.RetryMin
	for i := 1; i < b.failures && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, max(s.cfg.RetryMax, s.cfg.RetryMin))
	b.until = now.Add(d)
	return d
}

// reached forgets domain's failures.
func (s *Server) reached(domain string) {
	s.mu.Lock()
	delete(s.failed, domain)
	s.mu.Unlock()
}

// retryLater is the error for a stanza to a domain that is not tried
// again yet, nil when it may be. s.mu is held.
func (s *Server) retryLater(domain string, now time.Time) *stanza.Error {
	b := s.failed[domain]
	if b == nil || !now.Before(b.until) {
		return nil
	}
	return stanza.Errorf(stanza.RemoteServerNotFound, "cannot reach "+domain+"; not trying again for "+b.until.Sub(now).Round(time.Second).String())
}
