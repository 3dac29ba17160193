package limiter

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

var (
	client   = netip.MustParseAddr("203.0.113.7")
	loopback = netip.MustParseAddr("127.0.0.1")
)

func trusted(t *testing.T) Trusted {
	tr, err := ParseTrusted([]string{"127.0.0.0/8", "::1/128"})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestConnsLimitsOpenAndRate(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := NewConns(ConnsConfig{MaxOpen: 2, Rate: 1, Burst: 3, Trusted: trusted(t)})
	c.now = clk.now
	r1, why := c.Open(client)
	r2, _ := c.Open(client)
	if r1 == nil || r2 == nil || why != "" {
		t.Fatal("the first two connections were refused")
	}
	if r, why := c.Open(client); r != nil || why == "" {
		t.Fatal("a third open connection was admitted")
	}
	r1()
	r1() // releasing twice is harmless
	if r, _ := c.Open(client); r == nil {
		t.Fatal("a connection after a release was refused")
	} else {
		r()
	}
	// The burst of 3 is spent; the rate (1/s) refuses a fourth at once.
	r2()
	if r, why := c.Open(client); r != nil || why != ReasonTooFast {
		t.Fatalf("rate limit: %v %q", r != nil, why)
	}
	clk.advance(time.Second)
	if r, _ := c.Open(client); r == nil {
		t.Fatal("a connection a second later was refused")
	}
	for i := 0; i < 100; i++ {
		if r, _ := c.Open(loopback); r == nil {
			t.Fatal("a trusted address was limited")
		}
	}
}

func TestAuthDelayAndBan(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	a := NewAuth(AuthConfig{MaxFailures: 3, Window: time.Minute, BanTime: 10 * time.Minute, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Trusted: trusted(t)})
	a.now = clk.now
	fail := func(ip netip.Addr, account string) Verdict {
		t.Helper()
		at, err := a.Admit(context.Background(), ip, account, time.Time{})
		if err != nil {
			t.Fatalf("Admit: %v", err)
		}
		return at.Failed()
	}
	wantDelays := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
	for i, want := range wantDelays {
		v := fail(client, "")
		if v.Delay != want {
			t.Errorf("failure %d: delay %v, want %v", i+1, v.Delay, want)
		}
		if v.Banned != (i == 2) {
			t.Errorf("failure %d: banned=%v", i+1, v.Banned)
		}
	}
	if b, until := a.Banned(client); !b || !until.Equal(clk.t.Add(10*time.Minute)) {
		t.Fatalf("Banned = %v until %v", b, until)
	}
	// The ban covers the address's /64 on IPv6.
	fail(netip.MustParseAddr("2001:db8::1"), "")
	fail(netip.MustParseAddr("2001:db8::2"), "")
	fail(netip.MustParseAddr("2001:db8::3"), "")
	if b, _ := a.Banned(netip.MustParseAddr("2001:db8::ffff")); !b {
		t.Error("three failures from one /64 did not ban it")
	}
	if b, _ := a.Banned(netip.MustParseAddr("2001:db8:0:1::1")); b {
		t.Error("the next /64 was banned too")
	}
	clk.advance(10 * time.Minute)
	if b, _ := a.Banned(client); b {
		t.Fatal("the ban outlived its time")
	}
	// Per account: failures from many addresses still slow the account down.
	d1 := fail(netip.MustParseAddr("198.51.100.1"), "bob").Delay
	d2 := fail(netip.MustParseAddr("198.51.100.2"), "bob").Delay
	if d2 <= d1 {
		t.Errorf("account delays %v then %v, want growing", d1, d2)
	}
	for i := 0; i < 10; i++ {
		fail(loopback, "")
	}
	if b, _ := a.Banned(loopback); b {
		t.Error("a trusted address was banned")
	}
	clk.advance(time.Hour)
	a.Sweep()
	if len(a.networks) != 0 || len(a.accounts) != 0 {
		t.Errorf("Sweep left %d networks, %d accounts", len(a.networks), len(a.accounts))
	}
}

func TestShaperPacesBeyondBurst(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	var slept time.Duration
	s := NewShaper(1000, 2000)
	s.now = clk.now
	s.sleep = func(_ context.Context, d time.Duration) error { slept += d; clk.advance(d); return nil }
	s.Consume(context.Background(), 2000) // the burst
	if slept != 0 {
		t.Fatalf("slept %v within the burst", slept)
	}
	s.Consume(context.Background(), 500)
	if slept != 500*time.Millisecond {
		t.Fatalf("slept %v for 500 bytes over the burst at 1000 B/s, want 500ms", slept)
	}
	if NewShaper(0, 0) != nil {
		t.Fatal("rate 0 should mean no shaper")
	}
	var none *Shaper
	if err := none.Consume(context.Background(), 1<<30); err != nil {
		t.Fatal(err)
	}
}
