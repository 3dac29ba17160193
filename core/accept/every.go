package accept

import (
	"sync"
	"time"
)

// every reports an event that may repeat thousands of times a second at
// most once per period: the first at once, the ones after it counted and
// reported together when the period is over.
type every struct {
	period time.Duration
	report func(n int, last error)
	now    func() time.Time
	after  func(d time.Duration, f func()) (stop func() bool)

	mu      sync.Mutex
	n       int   // events not yet reported
	last    error // the latest event's error
	lastAt  time.Time
	pending func() bool // stops the timer of a report due; nil when none
	stopped bool
}

func newEvery(period time.Duration, report func(n int, last error)) *every {
	return &every{
		period: period,
		report: report,
		now:    time.Now,
		after: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
	}
}

// add counts an event, and reports it now when no report was made within
// the period, or else when the period is over.
func (e *every) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	e.n++
	e.last = err
	if e.pending != nil {
		return
	}
	wait := e.period - e.now().Sub(e.lastAt)
	if e.lastAt.IsZero() || wait <= 0 {
		e.flushLocked()
		return
	}
	e.pending = e.after(wait, e.due)
}

func (e *every) due() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending = nil
	if !e.stopped {
		e.flushLocked()
	}
}

func (e *every) flushLocked() {
	if e.n == 0 {
		return
	}
	e.report(e.n, e.last)
	e.n, e.last = 0, nil
	e.lastAt = e.now()
}

// stop reports what is counted and reports nothing after.
func (e *every) stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	e.stopped = true
	if e.pending != nil {
		e.pending()
		e.pending = nil
	}
	e.flushLocked()
}
