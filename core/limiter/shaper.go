package limiter

import (
	"context"
	"time"
)

// Shaper paces one stream's input to rate bytes per second with bursts up
// to burst, as ejabberd's shapers and Prosody's mod_limits do: a client
// that sends faster is not cut off, its reads are delayed, and TCP pushes
// back on it. Not safe for concurrent use: one reader owns it.
type Shaper struct {
	rate, burst float64
	b           bucket
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
}

// NewShaper returns a shaper; rate 0 means unlimited (nil is returned).
func NewShaper(rate, burst int) *Shaper {
	if rate <= 0 {
		return nil
	}
	return &Shaper{rate: float64(rate), burst: float64(max(burst, rate)), now: time.Now, sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Consume accounts for n bytes read and waits as long as the stream is
// over its rate.
func (s *Shaper) Consume(ctx context.Context, n int) error {
	if s == nil {
		return nil
	}
	now := s.now()
	s.b.refill(now, s.rate, s.burst)
	s.b.tokens -= float64(n)
	if s.b.tokens >= 0 {
		return nil
	}
	wait := time.Duration(-s.b.tokens / s.rate * float64(time.Second))
	return s.sleep(ctx, wait)
}
