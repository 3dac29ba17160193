package accounts

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// TestLoginBook: what the limiter keeps per account survives a round trip
// through storage, the operator's unlock is read back, and deleting the
// account deletes it all.
func TestLoginBook(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	if err := s.Unlock(ctx, "localhost", "alice"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Unlock of an unknown account = %v, want ErrNotFound", err)
	}
	if err := s.Create(ctx, "localhost", "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	book := s.LoginBook()
	if at, err := book.Unlocked(ctx, "alice@localhost"); err != nil || !at.IsZero() {
		t.Fatalf("Unlocked before any unlock = %v, %v", at, err)
	}
	before := time.Now()
	if err := s.Unlock(ctx, "localhost", "alice"); err != nil {
		t.Fatal(err)
	}
	if at, err := book.Unlocked(ctx, "alice@localhost"); err != nil || at.Before(before.Truncate(time.Microsecond)) {
		t.Fatalf("Unlocked = %v, %v; want at least %v", at, err, before)
	}

	seen := time.UnixMicro(time.Now().UnixMicro())
	want := []limiter.KnownNetwork{
		{Network: netip.MustParsePrefix("203.0.113.7/32"), Seen: seen},
		{Network: netip.MustParsePrefix("2001:db8:1:2::/64"), Seen: seen.Add(-time.Hour)},
	}
	if err := book.SetNetworks(ctx, "alice@localhost", want); err != nil {
		t.Fatal(err)
	}
	got, err := book.Networks(ctx, "alice@localhost")
	if err != nil || !slices.EqualFunc(got, want, func(a, b limiter.KnownNetwork) bool {
		return a.Network == b.Network && a.Seen.Equal(b.Seen)
	}) {
		t.Fatalf("Networks = %v, %v; want %v", got, err, want)
	}

	if err := s.Delete(ctx, "localhost", "alice"); err != nil {
		t.Fatal(err)
	}
	if got, err := book.Networks(ctx, "alice@localhost"); err != nil || len(got) != 0 {
		t.Errorf("after deleting the account: networks %v, %v", got, err)
	}
	if at, err := book.Unlocked(ctx, "alice@localhost"); err != nil || !at.IsZero() {
		t.Errorf("after deleting the account: unlocked %v, %v", at, err)
	}
}
