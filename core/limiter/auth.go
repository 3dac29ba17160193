package limiter

import (
	"net/netip"
	"sync"
	"time"
)

// Auth tracks failed authentications. Each failure on an account or from
// an address makes the next answer wait longer (Delay), and an address
// that fails too often within the window is banned for a while (ejabberd's
// mod_fail2ban does the same).
type Auth struct {
	maxFailures int           // per address within window before a ban; 0: never ban
	window      time.Duration // failures older than this are forgotten
	banTime     time.Duration
	baseDelay   time.Duration // the first failure's delay; doubling, up to maxDelay
	maxDelay    time.Duration
	trusted     Trusted
	now         func() time.Time

	mu       sync.Mutex
	addrs    map[netip.Addr]*failures
	accounts map[string]*failures
}

type failures struct {
	times       []time.Time
	bannedUntil time.Time
}

// AuthConfig configures Auth.
type AuthConfig struct {
	MaxFailures int
	Window      time.Duration
	BanTime     time.Duration
	BaseDelay   time.Duration
	MaxDelay    time.Duration
	Trusted     Trusted
}

// NewAuth returns a failure tracker.
func NewAuth(c AuthConfig) *Auth {
	return &Auth{
		maxFailures: c.MaxFailures, window: c.Window, banTime: c.BanTime,
		baseDelay: c.BaseDelay, maxDelay: c.MaxDelay, trusted: c.Trusted,
		now: time.Now, addrs: map[netip.Addr]*failures{}, accounts: map[string]*failures{},
	}
}

// Banned reports whether ip is banned now, and until when.
func (a *Auth) Banned(ip netip.Addr) (bool, time.Time) {
	if a.trusted.Contains(ip) {
		return false, time.Time{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.addrs[ip]
	if f == nil || !a.now().Before(f.bannedUntil) {
		return false, time.Time{}
	}
	return true, f.bannedUntil
}

// Failed records a failure and returns how long to wait before answering
// it, and whether it got the address banned just now.
func (a *Auth) Failed(ip netip.Addr, account string) (delay time.Duration, banned bool) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	if account != "" {
		n = a.record(a.accounts, account, now)
	}
	if !a.trusted.Contains(ip) {
		f := a.addrs[ip]
		if f == nil {
			f = &failures{}
			a.addrs[ip] = f
		}
		f.times = append(recent(f.times, now, a.window), now)
		n = max(n, len(f.times))
		if a.maxFailures > 0 && len(f.times) >= a.maxFailures && !now.Before(f.bannedUntil) {
			f.bannedUntil = now.Add(a.banTime)
			f.times = nil
			banned = true
		}
	}
	return a.delay(n), banned
}

func (a *Auth) record(m map[string]*failures, key string, now time.Time) int {
	f := m[key]
	if f == nil {
		f = &failures{}
		m[key] = f
	}
	f.times = append(recent(f.times, now, a.window), now)
	return len(f.times)
}

// Succeeded forgets an account's failures once it logs in.
func (a *Auth) Succeeded(account string) {
	a.mu.Lock()
	delete(a.accounts, account)
	a.mu.Unlock()
}

// delay doubles from baseDelay with each failure counted, up to maxDelay.
func (a *Auth) delay(n int) time.Duration {
	if n <= 0 || a.baseDelay <= 0 {
		return 0
	}
	d := a.baseDelay
	for i := 1; i < n && d < a.maxDelay; i++ {
		d *= 2
	}
	return min(d, a.maxDelay)
}

func recent(ts []time.Time, now time.Time, window time.Duration) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= window {
		i++
	}
	return ts[i:]
}

// Sweep forgets what no longer matters; call it now and then.
func (a *Auth) Sweep() {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, f := range a.addrs {
		if f.times = recent(f.times, now, a.window); len(f.times) == 0 && !now.Before(f.bannedUntil) {
			delete(a.addrs, k)
		}
	}
	for k, f := range a.accounts {
		if f.times = recent(f.times, now, a.window); len(f.times) == 0 {
			delete(a.accounts, k)
		}
	}
}
