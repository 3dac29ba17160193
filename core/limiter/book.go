package limiter

import (
	"context"
	"net/netip"
	"slices"
	"time"
)

// Book keeps, per account, what the limiter must not lose with its process
// or learns from another one: the networks the account logged in from, and
// when the operator last unlocked it (`switchboard user unlock`, which runs
// as a process of its own). It is read when an account with failures is
// tried and when an account logs in, and written only when an account logs
// in from a network it has not used lately.
type Book interface {
	// Unlocked is when the operator last cleared the account's failures;
	// zero if never.
	Unlocked(ctx context.Context, account string) (time.Time, error)
	// Networks are the networks the account logged in from.
	Networks(ctx context.Context, account string) ([]KnownNetwork, error)
	// SetNetworks replaces them.
	SetNetworks(ctx context.Context, account string, nets []KnownNetwork) error
}

// KnownNetwork is a network an account logged in from, and when it last
// did.
type KnownNetwork struct {
	Network netip.Prefix
	Seen    time.Time
}

// consult applies the operator's unlock to an account with failures, and
// reports whether failures still count against it.
func (a *Auth) consult(ctx context.Context, account string) bool {
	now := a.now()
	a.mu.Lock()
	st := a.accounts[account]
	failing := st != nil && len(recent(st.failures, now, a.window)) > 0
	a.mu.Unlock()
	if !failing || a.book == nil {
		return failing
	}
	at, err := a.book.Unlocked(ctx, account)
	if err != nil {
		a.log.Warn("could not read whether the operator unlocked an account; it stays locked", "user", account, "error", err)
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st = a.account(account)
	i := 0
	for i < len(st.failures) && !st.failures[i].After(at) {
		i++
	}
	if i == 0 {
		return len(st.failures) > 0
	}
	st.failures = st.failures[i:]
	if len(st.failures) == 0 {
		st.next = time.Time{}
	}
	a.refresh(st, now)
	st.signal()
	return len(st.failures) > 0
}

// known reports whether the account logged in from ip's network lately.
// A trusted network (a proxy, a load test) is shared by too many to vouch
// for anyone.
func (a *Auth) known(ctx context.Context, account string, ip netip.Addr) bool {
	if a.book == nil || a.knownNetworks <= 0 || a.trusted.Contains(ip) {
		return false
	}
	network := Network(ip)
	nets, err := a.book.Networks(ctx, account)
	if err != nil {
		a.log.Warn("could not read the networks an account logs in from; treating this one as new", "user", account, "error", err)
		return false
	}
	now := a.now()
	return slices.ContainsFunc(nets, func(n KnownNetwork) bool {
		return n.Network == network && now.Sub(n.Seen) < a.knownTTL
	})
}

// remember notes that account logged in from network. The record is
// rewritten only when the network is new or its last sighting old, so a
// client that reconnects all day costs a read per login, and a write only
// now and then.
func (a *Auth) remember(ctx context.Context, account string, ip netip.Addr) error {
	if a.book == nil || a.knownNetworks <= 0 || a.trusted.Contains(ip) {
		return nil
	}
	network := Network(ip)
	nets, err := a.book.Networks(ctx, account)
	if err != nil {
		return err
	}
	now := a.now()
	refresh := min(24*time.Hour, a.knownTTL/4)
	i := slices.IndexFunc(nets, func(n KnownNetwork) bool { return n.Network == network })
	if i >= 0 && now.Sub(nets[i].Seen) < refresh {
		return nil
	}
	if i >= 0 {
		nets[i].Seen = now
	} else {
		nets = append(nets, KnownNetwork{Network: network, Seen: now})
	}
	nets = slices.DeleteFunc(nets, func(n KnownNetwork) bool { return now.Sub(n.Seen) >= a.knownTTL })
	slices.SortFunc(nets, func(x, y KnownNetwork) int { return y.Seen.Compare(x.Seen) })
	if len(nets) > a.knownNetworks {
		nets = nets[:a.knownNetworks]
	}
	return a.book.SetNetworks(ctx, account, nets)
}
