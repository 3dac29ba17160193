package loadgen

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// maxReasons is how many distinct reasons a report quotes.
const maxReasons = 5

// errLog counts failures and keeps the first few distinct reasons with
// how often each recurred. The count is atomic and the lock is taken only
// on a failure, so a healthy run never contends on it.
type errLog struct {
	n       atomic.Int64
	mu      sync.Mutex
	reasons []reason
}

type reason struct {
	text  string
	count int
}

func (l *errLog) add(err error) {
	l.n.Add(1)
	text := err.Error()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.reasons {
		if l.reasons[i].text == text {
			l.reasons[i].count++
			return
		}
	}
	if len(l.reasons) < maxReasons {
		l.reasons = append(l.reasons, reason{text: text, count: 1})
	}
}

func (l *errLog) count() int64 { return l.n.Load() }

// list renders the reasons as "text (×3)".
func (l *errLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reasons {
		if r.count > 1 {
			out = append(out, fmt.Sprintf("%s (×%d)", r.text, r.count))
		} else {
			out = append(out, r.text)
		}
	}
	return out
}
