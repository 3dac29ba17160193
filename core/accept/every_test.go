package accept

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// clock is a fake time for every: timers fire when the test says.
type clock struct {
	now    time.Time
	timers []func()
	waits  []time.Duration
}

func (c *clock) after(d time.Duration, f func()) func() bool {
	c.waits = append(c.waits, d)
	c.timers = append(c.timers, f)
	i := len(c.timers) - 1
	return func() bool { c.timers[i] = nil; return true }
}

func (c *clock) fire() {
	ts := c.timers
	c.timers = nil
	for _, f := range ts {
		if f != nil {
			f()
		}
	}
}

func TestEveryReportsOncePerPeriodWithTheCount(t *testing.T) {
	c := &clock{now: time.Unix(1000, 0)}
	var reports []int
	var lastErr error
	e := newEvery(10*time.Second, func(n int, last error) { reports = append(reports, n); lastErr = last })
	e.now = func() time.Time { return c.now }
	e.after = c.after

	e.add(errors.New("a"))
	for i := range 500 {
		c.now = time.Unix(1001, int64(i))
		e.add(errors.New("b"))
	}
	if !slices.Equal(reports, []int{1}) {
		t.Fatalf("reports %v within the first period, want only the first event's", reports)
	}
	if !slices.Equal(c.waits, []time.Duration{9 * time.Second}) {
		t.Fatalf("timers %v, want one for the end of the period", c.waits)
	}
	c.now = time.Unix(1010, 0)
	c.fire()
	if !slices.Equal(reports, []int{1, 500}) || lastErr.Error() != "b" {
		t.Fatalf("reports %v (last %v), want the 500 later events at the end of the period", reports, lastErr)
	}
	// Quiet for a period: the next event is reported at once.
	c.now = time.Unix(1030, 0)
	e.add(nil)
	if !slices.Equal(reports, []int{1, 500, 1}) {
		t.Fatalf("reports %v", reports)
	}
	// Stopping reports what is counted, and nothing after.
	c.now = time.Unix(1031, 0)
	e.add(nil)
	e.add(nil)
	e.stop()
	e.add(nil)
	c.fire()
	if !slices.Equal(reports, []int{1, 500, 1, 2}) {
		t.Fatalf("reports %v after stop", reports)
	}
}
