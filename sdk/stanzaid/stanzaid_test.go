package stanzaid

import (
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestIDsCarryTheirTimeAndSortByIt(t *testing.T) {
	g := NewGenerator()
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	var ids []string
	var times []int64
	// The same instant twice, then a clock that steps back: the times still
	// rise, one nanosecond at a time.
	for _, at := range []time.Time{now, now, now.Add(-time.Hour), now.Add(time.Second)} {
		id, n := g.Next(at)
		ids = append(ids, id)
		times = append(times, n)
	}
	want := []int64{now.UnixNano(), now.UnixNano() + 1, now.UnixNano() + 2, now.Add(time.Second).UnixNano()}
	for i, id := range ids {
		if times[i] != want[i] {
			t.Errorf("id %d carries %d, want %d", i, times[i], want[i])
		}
		got, ok := Time(id)
		if !ok || got != times[i] {
			t.Errorf("Time(%q) = %d, %v; want %d, true", id, got, ok, times[i])
		}
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("ids do not sort in the order they were made: %q", ids)
	}
}

func TestIDsSortLikeTheirTimesAcrossDigitWidths(t *testing.T) {
	// 9 < 10 as numbers but "9" > "10" as strings: the fixed width keeps
	// byte order and number order the same.
	var ids []string
	for _, n := range []int64{0, 9, 10, 31, 32, 1 << 40, 1<<62 + 5, 1<<63 - 1} {
		ids = append(ids, Format(n, "x"))
		if got, ok := Time(ids[len(ids)-1]); !ok || got != n {
			t.Errorf("Time(Format(%d)) = %d, %v", n, got, ok)
		}
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("not sorted: %q", ids)
	}
}

func TestOtherIDsCarryNoTime(t *testing.T) {
	for _, id := range []string{
		"",
		"0000000000000-",                  // no suffix
		"ABCDEFGHIJKLMNOP-1",              // the ids before this package
		"de305d54-75b4-431b-adb2-eb6b9e5", // a UUID a client made up
		"g000000000000-abc",               // past 64 bits
		"000000000000w-abc",               // not base32hex
		"00000000000 0-abc",
	} {
		if n, ok := Time(id); ok {
			t.Errorf("Time(%q) = %d, true; want false", id, n)
		}
	}
}

func TestGeneratorsDoNotCollide(t *testing.T) {
	a, b := NewGenerator(), NewGenerator()
	now := time.Now()
	ia, _ := a.Next(now)
	ib, _ := b.Next(now)
	if ia == ib {
		t.Fatalf("two generators made the same id %q at the same instant", ia)
	}
	if !strings.HasPrefix(ib, ia[:timeWidth+1]) {
		t.Fatalf("same instant, different time part: %q %q", ia, ib)
	}
}

func TestConcurrentIDsAreUnique(t *testing.T) {
	g := NewGenerator()
	now := time.Now()
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				id, _ := g.Next(now)
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate id %q", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
