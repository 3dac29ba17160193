package limiter

import (
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Auth tracks failed authentications, per network and per account.
//
// Per network (an IPv4 address, or an IPv6 /64, which one host may fill):
// each failure makes the next answer wait longer (Verdict.Delay), and a
// network that fails too often within the window is banned for a while, as
// ejabberd's mod_fail2ban does.
//
// Per account, whatever the network: the account's password is tested by
// one attempt at a time, and after each failure not again before the
// account's delay has passed (Admit). Attempts waiting for that are not
// tested at all, so opening more connections, or coming from more
// addresses, buys an attacker nothing. docs/SECURITY.md explains why this
// slows instead of locking, and who still gets through.
type Auth struct {
	maxFailures     int           // per network within window before a ban; 0: never ban
	window          time.Duration // failures older than this are forgotten
	banTime         time.Duration
	baseDelay       time.Duration // the first failure's delay; doubling
	maxDelay        time.Duration // longest wait before a failure is answered
	accountDelayMax time.Duration // longest wait between tests of one account
	knownNetworks   int
	knownTTL        time.Duration
	trusted         Trusted
	book            Book
	log             hclog.Logger
	now             func() time.Time

	mu       sync.Mutex
	networks map[netip.Prefix]*failures
	accounts map[string]*account
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
	// AccountDelayMax is the longest wait between two tests of one
	// account's password; reaching it locks the account (Verdict.Locked).
	// 0: tests are not spaced, only taken one at a time.
	AccountDelayMax time.Duration
	// KnownNetworks is how many networks an account logged in from are
	// remembered (in Book) and let through its lock, for KnownNetworkTTL
	// after the last login from each; 0 remembers none.
	KnownNetworks   int
	KnownNetworkTTL time.Duration
	Trusted         Trusted
	// Book keeps what outlives the process; nil keeps nothing.
	Book Book
	// Log reports failures of Book; nil discards them.
	Log hclog.Logger
}

// NewAuth returns a failure tracker.
func NewAuth(c AuthConfig) *Auth {
	if c.Log == nil {
		c.Log = hclog.NewNullLogger()
	}
	return &Auth{
		maxFailures: c.MaxFailures, window: c.Window, banTime: c.BanTime,
		baseDelay: c.BaseDelay, maxDelay: c.MaxDelay, accountDelayMax: c.AccountDelayMax,
		knownNetworks: c.KnownNetworks, knownTTL: c.KnownNetworkTTL,
		trusted: c.Trusted, book: c.Book, log: c.Log,
		now: time.Now, networks: map[netip.Prefix]*failures{}, accounts: map[string]*account{},
	}
}

// Network is what the per-address limits count: an IPv4 address, or the
// /64 an IPv6 address is in, since one host is routinely given a whole
// /64 and could otherwise fail from a fresh address every time.
func Network(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap()
	if ip.Is4() {
		return netip.PrefixFrom(ip, 32)
	}
	p, _ := ip.Prefix(64)
	return p
}

// Banned reports whether ip's network is banned now, and until when.
func (a *Auth) Banned(ip netip.Addr) (bool, time.Time) {
	if a.trusted.Contains(ip) {
		return false, time.Time{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.networks[Network(ip)]
	if f == nil || !a.now().Before(f.bannedUntil) {
		return false, time.Time{}
	}
	return true, f.bannedUntil
}

// networkFailed records a failure from ip and returns how many count now,
// and whether they got the network banned just now. a.mu is held.
func (a *Auth) networkFailed(ip netip.Addr, now time.Time) (n int, banned bool) {
	if a.trusted.Contains(ip) {
		return 0, false
	}
	key := Network(ip)
	f := a.networks[key]
	if f == nil {
		f = &failures{}
		a.networks[key] = f
	}
	f.times = append(recent(f.times, now, a.window), now)
	n = len(f.times)
	if a.maxFailures > 0 && n >= a.maxFailures && !now.Before(f.bannedUntil) {
		f.bannedUntil = now.Add(a.banTime)
		f.times = nil
		banned = true
	}
	return n, banned
}

// delay doubles from baseDelay with each failure counted, up to limit.
func (a *Auth) delay(n int, limit time.Duration) time.Duration {
	if n <= 0 || a.baseDelay <= 0 || limit <= 0 {
		return 0
	}
	d := a.baseDelay
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func recent(ts []time.Time, now time.Time, window time.Duration) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= window {
		i++
	}
	return ts[i:]
}

// AccountFailures is how many failed logins of account count now.
func (a *Auth) AccountFailures(account string) int {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if st := a.accounts[account]; st != nil {
		return len(recent(st.failures, now, a.window))
	}
	return 0
}

// Sweep forgets what no longer matters; call it now and then.
func (a *Auth) Sweep() {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, f := range a.networks {
		if f.times = recent(f.times, now, a.window); len(f.times) == 0 && !now.Before(f.bannedUntil) {
			delete(a.networks, k)
		}
	}
	for k, st := range a.accounts {
		a.refresh(st, now)
		if st.idle(now) {
			delete(a.accounts, k)
		}
	}
}
