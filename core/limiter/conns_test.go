package limiter

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// addr returns a distinct documentation-range address for each i.
func addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
}

// TestConnsForgetsIdleAddresses: an address that connected and left is
// remembered only until its rate allowance is full again, and Sweep then
// forgets it, however briefly it stayed.
func TestConnsForgetsIdleAddresses(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := NewConns(ConnsConfig{MaxOpen: 2, Rate: 1, Burst: 3})
	c.now = clk.now
	const n = 1000
	for i := 0; i < n; i++ {
		release, why := c.Open(addr(i))
		if release == nil {
			t.Fatalf("address %d refused: %s", i, why)
		}
		release()
	}
	for i := 0; i < 4; i++ { // past the burst: refused, and remembered
		if release, _ := c.Open(addr(n)); release != nil {
			release()
		}
	}
	held, _ := c.Open(addr(n + 1))
	clk.advance(500 * time.Millisecond)
	if tracked, _ := c.Sweep(); tracked != n+2 {
		t.Fatalf("half a second later %d addresses remembered, want all %d: forgetting them now would reset their rate limit", tracked, n+2)
	}
	clk.advance(10 * time.Second)
	if tracked, _ := c.Sweep(); tracked != 1 || len(c.addrs) != 1 {
		t.Fatalf("after the sweep %d addresses remembered (map %d), want only the one with a connection open", tracked, len(c.addrs))
	}
	held()
	if tracked, _ := c.Sweep(); tracked != 0 {
		t.Fatalf("%d addresses remembered once every connection closed", tracked)
	}
}

// TestConnsTableIsBounded: at MaxAddresses a new address takes the place
// of the one idle longest; addresses with connections open are never
// dropped, so flooding the table cannot lift anyone's open limit; with no
// idle address to drop, new addresses are refused and counted.
func TestConnsTableIsBounded(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := NewConns(ConnsConfig{MaxOpen: 1, Rate: 1, Burst: 2, MaxAddresses: 3})
	c.now = clk.now
	open := func(i int) func() {
		t.Helper()
		release, why := c.Open(addr(i))
		if release == nil {
			t.Fatalf("address %d refused: %s", i, why)
		}
		return release
	}
	open(0)   // held
	open(1)() // idle, the longest
	clk.advance(time.Millisecond)
	open(2)() // idle
	open(3)   // takes the place of 1
	if _, ok := c.addrs[addr(1)]; ok {
		t.Fatal("the address idle longest was kept")
	}
	if _, ok := c.addrs[addr(2)]; !ok || len(c.addrs) != 3 {
		t.Fatalf("table %d entries, want 3 with address 2 in it", len(c.addrs))
	}
	open(4) // takes the place of 2; now 0, 3 and 4 hold connections
	for i := 5; i < 105; i++ {
		if release, why := c.Open(addr(i)); release != nil || why != ReasonTableIsFull {
			t.Fatalf("new address %d with the table full of open connections: admitted=%v %q", i, release != nil, why)
		}
	}
	if release, why := c.Open(addr(0)); release != nil || why != ReasonTooMany {
		t.Fatalf("second connection from a held address after the flood: admitted=%v %q", release != nil, why)
	}
	if tracked, refused := c.Sweep(); tracked != 3 || refused != 100 {
		t.Fatalf("Sweep = %d tracked, %d refused; want 3, 100", tracked, refused)
	}
	if _, refused := c.Sweep(); refused != 0 {
		t.Fatal("Sweep did not reset the refused count")
	}
}

// BenchmarkConnsAddressMemory measures the heap that remembering an
// address costs, and what is left once Sweep has forgotten them all.
//
//	go test ./core/limiter -run '^$' -bench ConnsAddressMemory -benchtime 3x
func BenchmarkConnsAddressMemory(b *testing.B) {
	const n = 60_000
	heap := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	for range b.N {
		clk := &clock{t: time.Unix(1000, 0)}
		c := NewConns(ConnsConfig{MaxOpen: 100, Rate: 10, Burst: 20, MaxAddresses: 100_000})
		c.now = clk.now
		before := heap()
		for i := range n {
			release, _ := c.Open(addr(i))
			release()
		}
		remembered := heap()
		clk.advance(time.Minute)
		c.Sweep()
		swept := heap()
		b.ReportMetric(float64(remembered-before)/n, "B/address")
		b.ReportMetric(float64(swept-before)/n, "B/address-after-sweep")
		runtime.KeepAlive(c)
	}
}
