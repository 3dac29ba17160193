// Package limiter holds the abuse limits of a public server: connections
// per address, the rate of new connections, failed authentications with a
// growing delay and a temporary ban (as ejabberd's mod_fail2ban does), and
// a token bucket that shapes how fast one stream may send.
package limiter

import (
	"net/netip"
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
