package register

import (
	"net"
	"sync"
	"time"
)

// limiter counts the registrations of each IP address within a sliding
// window. It lives in memory: a restart of the plugin forgets it, which
// costs an abuser one more window at most.
type limiter struct {
	mu   sync.Mutex
	seen map[string][]time.Time // per address, oldest first, all within the window
}

func newLimiter() *limiter { return &limiter{seen: map[string][]time.Time{}} }

// take reserves a registration for addr at now, unless addr already made
// limit of them within window; 0 is no limit. Entries that left the
// window are forgotten on the way, for every address, so that the map
// holds no more than the last window's registrations.
func (l *limiter) take(addr string, now time.Time, limit int, window time.Duration) bool {
	if limit == 0 {
		return true
	}
	addr = hostOf(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	for a, ts := range l.seen {
		i := 0
		for i < len(ts) && now.Sub(ts[i]) >= window {
			i++
		}
		if i == len(ts) {
			delete(l.seen, a)
		} else {
			l.seen[a] = ts[i:]
		}
	}
	if len(l.seen[addr]) >= limit {
		return false
	}
	l.seen[addr] = append(l.seen[addr], now)
	return true
}

// undo gives back the reservation of a registration that failed.
func (l *limiter) undo(addr string) {
	addr = hostOf(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if ts := l.seen[addr]; len(ts) > 0 {
		l.seen[addr] = ts[:len(ts)-1]
	}
}

// hostOf drops a port: the core may pass the remote address as
// "ip:port", and a client picks a new port per connection.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// empty reports whether no registration is still counted at now.
func (l *limiter) empty(now time.Time, window time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ts := range l.seen {
		if len(ts) > 0 && now.Sub(ts[len(ts)-1]) < window {
			return false
		}
	}
	return true
}
