package limiter

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// book is a Book in memory.
type book struct {
	mu       sync.Mutex
	unlocked map[string]time.Time
	nets     map[string][]KnownNetwork
}

func newBook() *book {
	return &book{unlocked: map[string]time.Time{}, nets: map[string][]KnownNetwork{}}
}

func (b *book) Unlocked(_ context.Context, account string) (time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.unlocked[account], nil
}

func (b *book) Networks(_ context.Context, account string) ([]KnownNetwork, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]KnownNetwork(nil), b.nets[account]...), nil
}

func (b *book) SetNetworks(_ context.Context, account string, nets []KnownNetwork) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nets[account] = nets
	return nil
}

var (
	home     = netip.MustParseAddr("198.51.100.10")
	attacker = netip.MustParseAddr("203.0.113.66")
	other    = netip.MustParseAddr("192.0.2.5")
)

func gate(t *testing.T, clk *clock, b Book) *Auth {
	t.Helper()
	a := NewAuth(AuthConfig{
		Window: time.Hour, BaseDelay: time.Second, MaxDelay: time.Second,
		AccountDelayMax: 4 * time.Second, KnownNetworks: 2, KnownNetworkTTL: 24 * time.Hour, Book: b,
	})
	a.now = clk.now
	return a
}

func admit(t *testing.T, a *Auth, ip netip.Addr, deadline time.Time) *Attempt {
	t.Helper()
	at, err := a.Admit(context.Background(), ip, "alice", deadline)
	if err != nil {
		t.Fatalf("Admit from %s: %v", ip, err)
	}
	return at
}

func refused(t *testing.T, a *Auth, ip netip.Addr, deadline time.Time) *Refused {
	t.Helper()
	at, err := a.Admit(context.Background(), ip, "alice", deadline)
	var r *Refused
	if !errors.As(err, &r) {
		t.Fatalf("Admit from %s = %v, %v; want refused", ip, at, err)
	}
	return r
}

// waitFor polls cond under the limiter's lock until it holds.
func waitFor(t *testing.T, a *Auth, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.mu.Lock()
		ok := cond()
		a.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAccountTestsOneAtATime: while one attempt tests the password, an
// attempt from elsewhere waits, a second one from the same network is
// refused, and the waiting one goes on when the first ends.
func TestAccountTestsOneAtATime(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	a := gate(t, clk, nil)
	first := admit(t, a, attacker, time.Time{})
	got := make(chan *Attempt)
	go func() {
		at, err := a.Admit(context.Background(), other, "alice", clk.t.Add(time.Hour))
		if err != nil {
			t.Error(err)
		}
		got <- at
	}()
	waitFor(t, a, "the second attempt waits", func() bool { return a.accounts["alice"].waiting[Network(other)] })
	if r := refused(t, a, netip.MustParseAddr("192.0.2.5"), time.Time{}); r.Reason == "" {
		t.Error("refusal without a reason")
	}
	first.Abandon()
	second := <-got
	if second == nil || !second.gated {
		t.Fatal("the waiting attempt did not get the gate")
	}
	second.Abandon()
	if a.accounts["alice"].busy {
		t.Error("the gate is still held")
	}
}

// TestAccountDelayFromEveryAddress: each failure spaces the account's next
// test further, whichever address it comes from, up to the longest delay,
// which locks the account once; an attempt that would have to wait past
// its deadline is refused, untested.
func TestAccountDelayFromEveryAddress(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	a := gate(t, clk, nil)
	ips := []netip.Addr{attacker, other, netip.MustParseAddr("203.0.113.67"), netip.MustParseAddr("2001:db8::7")}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		v := admit(t, a, ips[i], clk.t).Failed()
		if v.AccountDelay != want || v.Locked != (i == 2) || v.Failures != i+1 {
			t.Fatalf("failure %d: %+v, want account delay %v, locked only at the third", i+1, v, want)
		}
		r := refused(t, a, ips[(i+1)%len(ips)], clk.t.Add(want-time.Millisecond))
		if r.RetryAfter != want {
			t.Errorf("failure %d: retry after %v, want %v", i+1, r.RetryAfter, want)
		}
		clk.advance(want)
	}
	if n := a.AccountFailures("alice"); n != 4 {
		t.Errorf("AccountFailures = %d, want 4", n)
	}
	// Once the failures are old the lock is over, and a new one is
	// reported again.
	clk.advance(time.Hour)
	a.Sweep()
	if len(a.accounts) != 0 {
		t.Fatal("Sweep kept an account whose failures are old")
	}
	for i := 0; i < 3; i++ {
		v := admit(t, a, attacker, time.Time{}).Failed()
		clk.advance(v.AccountDelay)
		if v.Locked != (i == 2) {
			t.Fatalf("second lock: failure %d locked=%v", i+1, v.Locked)
		}
	}
}

// TestKnownNetworkPassesTheLock: a network the account logged in from is
// not held by its lock; the operator's unlock (in the book, from another
// process) opens it for everyone.
func TestKnownNetworkPassesTheLock(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	b := newBook()
	a := gate(t, clk, b)
	if err := admit(t, a, home, time.Time{}).Succeeded(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		v := admit(t, a, attacker, clk.t).Failed()
		if i < 2 {
			clk.advance(v.AccountDelay)
		}
	}
	// Locked for 4s from now on: no one else is let through before.
	refused(t, a, other, clk.t)
	at := admit(t, a, home, clk.t)
	// It passes the delay, not the gate: one test at a time, so that an
	// attacker sharing the owner's network tests no faster.
	if !at.gated {
		t.Error("the known network's attempt skipped the one-at-a-time gate")
	}
	// Its failures count like any other.
	if v := at.Failed(); v.Failures != 4 {
		t.Errorf("known network's failure: %+v", v)
	}
	// An address of the same IPv6 /64 is the same network.
	b.SetNetworks(context.Background(), "alice", []KnownNetwork{{Network: Network(netip.MustParseAddr("2001:db8::1")), Seen: clk.t}})
	admit(t, a, netip.MustParseAddr("2001:db8::abcd"), clk.t).Abandon()
	// A network seen longer ago than the TTL is not known any more.
	b.SetNetworks(context.Background(), "alice", []KnownNetwork{{Network: Network(home), Seen: clk.t.Add(-25 * time.Hour)}})
	refused(t, a, home, clk.t)

	b.unlocked["alice"] = clk.t
	admit(t, a, other, clk.t).Abandon()
	if n := a.AccountFailures("alice"); n != 0 {
		t.Errorf("after the unlock %d failures still count", n)
	}
}

// TestRememberedNetworks: the book keeps the latest networks, drops old
// ones, and is not rewritten for every login.
func TestRememberedNetworks(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	b := newBook()
	a := gate(t, clk, b)
	login := func(ip netip.Addr) {
		t.Helper()
		if err := admit(t, a, ip, time.Time{}).Succeeded(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	login(home)
	first := b.nets["alice"][0].Seen
	clk.advance(time.Minute)
	login(home)
	if !b.nets["alice"][0].Seen.Equal(first) {
		t.Error("a login from a known network rewrote the book")
	}
	clk.advance(time.Minute)
	login(other)
	clk.advance(time.Minute)
	login(attacker)
	var got []netip.Prefix
	for _, n := range b.nets["alice"] {
		got = append(got, n.Network)
	}
	if len(got) != 2 || got[0] != Network(attacker) || got[1] != Network(other) {
		t.Errorf("remembered %v, want the two latest", got)
	}
}

// TestWaitingAttemptGivesUp: an attempt waiting at the gate leaves when
// its context ends, and no longer holds its network's place.
func TestWaitingAttemptGivesUp(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	a := gate(t, clk, nil)
	first := admit(t, a, attacker, time.Time{})
	defer first.Abandon()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := a.Admit(ctx, other, "alice", time.Time{})
		done <- err
	}()
	waitFor(t, a, "the attempt waits", func() bool { return a.accounts["alice"].waiting[Network(other)] })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Admit after cancel = %v", err)
	}
	if a.accounts["alice"].waiting[Network(other)] {
		t.Error("the attempt that gave up still holds its network's place")
	}
}
