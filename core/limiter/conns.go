package limiter

import (
	"maps"
	"net/netip"
	"sync"
	"time"
)

// Reasons Conns.Open gives for refusing a connection.
const (
	ReasonTooMany     = "too many connections from this address"
	ReasonTooFast     = "connecting too fast"
	ReasonTableIsFull = "too many client addresses tracked"
)

// ConnsConfig holds the per-address connection limits; zero turns a limit
// off.
type ConnsConfig struct {
	MaxOpen int     // open connections from one address
	Rate    float64 // new connections per second from one address
	Burst   int     // new connections at once above Rate
	// MaxAddresses bounds the addresses remembered at once. When the table
	// is full a new address takes the place of the one idle longest (no
	// connection open), which loses only its connect-rate history; an
	// address with a connection open is never forgotten, so the open
	// limit always holds. If every address has one open, new addresses
	// are refused.
	MaxAddresses int
	Trusted      Trusted
}

// Conns limits open connections and the rate of new ones per address. An
// address is remembered while it has a connection open or its rate
// allowance is not yet full again; Sweep forgets the others.
type Conns struct {
	cfg   ConnsConfig
	burst float64
	now   func() time.Time

	mu    sync.Mutex
	addrs map[netip.Addr]*connState
	// idle holds the addresses with no connection open, the one idle
	// longest first.
	idle        idleList
	refusedFull int // new addresses refused since the last Sweep
	// peak is the most addresses addrs has held since it was made: Go
	// maps never give back the room they grew to, so Sweep makes a
	// smaller one once most of it is empty.
	peak int
}

type connState struct {
	addr       netip.Addr
	open       int
	bucket     bucket
	prev, next *connState // in Conns.idle while open is 0
}

// NewConns returns a limiter.
func NewConns(cfg ConnsConfig) *Conns {
	return &Conns{cfg: cfg, burst: float64(max(cfg.Burst, 1)), now: time.Now, addrs: map[netip.Addr]*connState{}}
}

// Open admits a new connection from ip, or says why not. release must be
// called when an admitted connection closes; calling it again is harmless.
func (c *Conns) Open(ip netip.Addr) (release func(), reason string) {
	if c.cfg.Trusted.Contains(ip) || (c.cfg.MaxOpen == 0 && c.cfg.Rate == 0) {
		return func() {}, ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.addrs[ip]
	if st == nil {
		if !c.makeRoom() {
			c.refusedFull++
			return nil, ReasonTableIsFull
		}
		st = &connState{addr: ip}
		c.addrs[ip] = st
		c.peak = max(c.peak, len(c.addrs))
		c.idle.pushBack(st)
	}
	if c.cfg.MaxOpen > 0 && st.open >= c.cfg.MaxOpen {
		return nil, ReasonTooMany
	}
	if c.cfg.Rate > 0 && !st.bucket.take(c.now(), c.cfg.Rate, c.burst, 1) {
		if st.open == 0 {
			c.idle.moveToBack(st)
		}
		return nil, ReasonTooFast
	}
	if st.open == 0 {
		c.idle.remove(st)
	}
	st.open++
	var once sync.Once
	return func() { once.Do(func() { c.close(st) }) }, ""
}

// makeRoom makes sure the table can take one more address.
func (c *Conns) makeRoom() bool {
	if c.cfg.MaxAddresses <= 0 || len(c.addrs) < c.cfg.MaxAddresses {
		return true
	}
	oldest := c.idle.head
	if oldest == nil {
		return false
	}
	c.forget(oldest)
	return true
}

func (c *Conns) close(st *connState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st.open--
	if st.open > 0 {
		return
	}
	c.idle.pushBack(st)
	if c.rested(st, c.now()) {
		c.forget(st)
	}
}

// rested reports whether an address has its whole rate allowance back,
// so that forgetting it changes nothing.
func (c *Conns) rested(st *connState, now time.Time) bool {
	if c.cfg.Rate == 0 || st.bucket.last.IsZero() {
		return true
	}
	return st.bucket.tokens+now.Sub(st.bucket.last).Seconds()*c.cfg.Rate >= c.burst
}

// forget drops an idle address.
func (c *Conns) forget(st *connState) {
	c.idle.remove(st)
	delete(c.addrs, st.addr)
}

// Sweep forgets the addresses with no connection open and their rate
// allowance full again; call it now and then. It returns how many
// addresses are still remembered and how many new ones were refused
// since the last Sweep because the table was full of addresses with
// connections open.
func (c *Conns) Sweep() (tracked, refused int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for st := c.idle.head; st != nil; {
		next := st.next
		if c.rested(st, now) {
			c.forget(st)
		}
		st = next
	}
	if len(c.addrs) < c.peak/4 {
		smaller := make(map[netip.Addr]*connState, len(c.addrs))
		maps.Copy(smaller, c.addrs)
		c.addrs = smaller
		c.peak = len(c.addrs)
	}
	refused, c.refusedFull = c.refusedFull, 0
	return len(c.addrs), refused
}

// idleList is a doubly linked list threaded through the entries
// themselves, so that remembering an address costs no extra allocation.
type idleList struct{ head, tail *connState }

func (l *idleList) pushBack(st *connState) {
	st.prev, st.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = st
	} else {
		l.head = st
	}
	l.tail = st
}

func (l *idleList) remove(st *connState) {
	if st.prev != nil {
		st.prev.next = st.next
	} else {
		l.head = st.next
	}
	if st.next != nil {
		st.next.prev = st.prev
	} else {
		l.tail = st.prev
	}
	st.prev, st.next = nil, nil
}

func (l *idleList) moveToBack(st *connState) {
	l.remove(st)
	l.pushBack(st)
}
