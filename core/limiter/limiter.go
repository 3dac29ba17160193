// Package limiter holds the abuse limits of a public server: connections
// per address, the rate of new connections, failed authentications with a
// growing delay and a temporary ban (as ejabberd's mod_fail2ban does), and
// a token bucket that shapes how fast one stream may send.
package limiter

import (
	"net/netip"
	"sync"
	"time"
)

// Trusted is a set of networks exempt from the per-address limits, such as
// loopback, where load tests and local tools connect.
type Trusted []netip.Prefix

// ParseTrusted parses CIDR prefixes.
func ParseTrusted(cidrs []string) (Trusted, error) {
	t := make(Trusted, 0, len(cidrs))
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, err
		}
		t = append(t, p)
	}
	return t, nil
}

// Contains reports whether ip is in a trusted network.
func (t Trusted) Contains(ip netip.Addr) bool {
	for _, p := range t {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// bucket is a token bucket: rate tokens per second up to burst.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) take(now time.Time, rate, burst, n float64) bool {
	b.refill(now, rate, burst)
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if b.last.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
}

// Conns limits open connections and the rate of new ones per address.
type Conns struct {
	maxOpen int     // 0: no limit
	rate    float64 // new connections per second; 0: no limit
	burst   float64
	trusted Trusted
	now     func() time.Time

	mu    sync.Mutex
	addrs map[netip.Addr]*connState
}

type connState struct {
	open   int
	bucket bucket
}

// NewConns returns a limiter; zero limits are off.
func NewConns(maxOpen int, rate float64, burst int, trusted Trusted) *Conns {
	return &Conns{maxOpen: maxOpen, rate: rate, burst: float64(max(burst, 1)), trusted: trusted, now: time.Now, addrs: map[netip.Addr]*connState{}}
}

// Open admits a new connection from ip, or says why not. release must be
// called when an admitted connection closes.
func (c *Conns) Open(ip netip.Addr) (release func(), reason string) {
	if c.trusted.Contains(ip) {
		return func() {}, ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.addrs[ip]
	if st == nil {
		st = &connState{}
		c.addrs[ip] = st
	}
	if c.maxOpen > 0 && st.open >= c.maxOpen {
		return nil, "too many connections from this address"
	}
	if c.rate > 0 && !st.bucket.take(c.now(), c.rate, c.burst, 1) {
		return nil, "connecting too fast"
	}
	st.open++
	var once sync.Once
	return func() { once.Do(func() { c.close(ip) }) }, ""
}

func (c *Conns) close(ip netip.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.addrs[ip]
	if st == nil {
		return
	}
	st.open--
	// Forget an address once its bucket is full again, so the map holds
	// only addresses that are connected or recently busy.
	if st.open <= 0 && (c.rate == 0 || c.now().Sub(st.bucket.last).Seconds()*c.rate >= c.burst) {
		delete(c.addrs, ip)
	}
}
