package limiter

import (
	"context"
	"fmt"
	"net/netip"
	"time"
)

// account is the gate in front of one account's password.
type account struct {
	failures []time.Time
	next     time.Time // no test before this
	busy     bool      // an attempt is testing the password
	// waiting holds the networks with an attempt waiting at the gate:
	// one each, so that one network's many connections cannot crowd out
	// everyone else.
	waiting map[netip.Prefix]bool
	wake    chan struct{} // closed when the gate may have opened
	locked  bool          // reached accountDelayMax; reported once
}

func (st *account) idle(now time.Time) bool {
	return len(st.failures) == 0 && !st.busy && len(st.waiting) == 0 && !now.Before(st.next)
}

// signal wakes the attempts waiting at the gate. a.mu is held.
func (st *account) signal() {
	close(st.wake)
	st.wake = make(chan struct{})
}

func (a *Auth) account(name string) *account {
	st := a.accounts[name]
	if st == nil {
		st = &account{waiting: map[netip.Prefix]bool{}, wake: make(chan struct{})}
		a.accounts[name] = st
	}
	return st
}

// refresh forgets failures that no longer count and ends a lock they no
// longer justify. a.mu is held.
func (a *Auth) refresh(st *account, now time.Time) {
	st.failures = recent(st.failures, now, a.window)
	if st.locked && !a.lockedAt(len(st.failures)) {
		st.locked = false
	}
}

// lockedAt reports whether n failures make the account wait the longest.
func (a *Auth) lockedAt(n int) bool {
	return a.accountDelayMax > 0 && n > 0 && a.delay(n, a.accountDelayMax) >= a.accountDelayMax
}

// Refused is an attempt that was not let through to a password test.
type Refused struct {
	// RetryAfter is when the account's gate opens next, as far as is known.
	RetryAfter time.Duration
	Reason     string
}

func (r *Refused) Error() string {
	if r.RetryAfter <= 0 {
		return r.Reason
	}
	return fmt.Sprintf("%s; try again in %s", r.Reason, r.RetryAfter.Round(time.Second))
}

// Attempt is one test of a password, let through by Admit. Exactly one of
// Failed, Succeeded or Abandon ends it. A nil *Attempt is a test nobody
// limits.
type Attempt struct {
	a       *Auth
	ip      netip.Addr
	network netip.Prefix
	account string
	gated   bool // holds the account's gate
	done    bool
}

// Verdict is what a failed attempt costs.
type Verdict struct {
	// Delay is how long to wait before answering it, the stream read no
	// further meanwhile.
	Delay time.Duration
	// Banned: the attempt's network was banned just now.
	Banned bool
	// Locked: the account reached its longest delay just now.
	Locked bool
	// AccountDelay is how long the account's next test now waits.
	AccountDelay time.Duration
	// Failures is how many failures of the account count now.
	Failures int
}

// Admit waits until the password of account may be tested for a client at
// ip: when no other attempt is testing it and the account's delay since its
// last failure has passed. An attempt from a network the account logged in
// from lately does not wait for the delay, only for an attempt testing
// now. Admit refuses (*Refused) an attempt whose
// wait would outlast deadline (zero: none), or when another attempt from
// the same network already waits. An empty account passes at once: only the
// network's failures count then.
func (a *Auth) Admit(ctx context.Context, ip netip.Addr, account string, deadline time.Time) (*Attempt, error) {
	t := &Attempt{a: a, ip: ip, network: Network(ip), account: account}
	if account == "" {
		return t, nil
	}
	// A network the owner logged in from lately skips the delay, not the
	// gate: one test at a time holds there too, or an attacker sharing the
	// owner's network (a café, a carrier's NAT) would test in parallel.
	known := a.consult(ctx, account) && a.known(ctx, account, ip)
	registered := false
	for {
		a.mu.Lock()
		st := a.account(account)
		now := a.now()
		if !st.busy && (known || !now.Before(st.next)) {
			st.busy = true
			if registered {
				delete(st.waiting, t.network)
			}
			a.mu.Unlock()
			t.gated = true
			return t, nil
		}
		retry := st.next.Sub(now)
		if known {
			retry = 0 // only the attempt testing now is waited for
		}
		refuse := ""
		switch {
		case !registered && st.waiting[t.network]:
			refuse = "another login to this account from your network is waiting"
		case !known && !deadline.IsZero() && st.next.After(deadline):
			refuse = "too many failed logins to this account"
		}
		if refuse != "" {
			if registered {
				delete(st.waiting, t.network)
			}
			a.mu.Unlock()
			return nil, &Refused{RetryAfter: retry, Reason: refuse}
		}
		st.waiting[t.network] = true
		registered = true
		wake := st.wake
		a.mu.Unlock()
		if err := a.sleep(ctx, wake, retry, deadline); err != nil {
			a.mu.Lock()
			delete(st.waiting, t.network)
			a.mu.Unlock()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &Refused{Reason: "too many logins to this account at once"}
		}
	}
}

// sleep waits for wake, for d if it is positive, until deadline if set,
// or until ctx is done; only the last two are errors.
func (a *Auth) sleep(ctx context.Context, wake <-chan struct{}, d time.Duration, deadline time.Time) error {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	var cutoff <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(deadline.Sub(a.now()))
		defer t.Stop()
		cutoff = t.C
	}
	select {
	case <-wake:
	case <-timeout:
	case <-cutoff:
		return context.DeadlineExceeded
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Failed records that the attempt's password was wrong.
func (t *Attempt) Failed() Verdict {
	if t == nil || t.done {
		return Verdict{}
	}
	t.done = true
	a := t.a
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var v Verdict
	if t.account != "" {
		st := a.account(t.account)
		a.refresh(st, now)
		st.failures = append(st.failures, now)
		v.Failures = len(st.failures)
		v.AccountDelay = a.delay(v.Failures, a.accountDelayMax)
		if next := now.Add(v.AccountDelay); next.After(st.next) {
			st.next = next
		}
		if a.lockedAt(v.Failures) && !st.locked {
			st.locked, v.Locked = true, true
		}
		if t.gated {
			st.busy = false
		}
		st.signal()
	}
	n, banned := a.networkFailed(t.ip, now)
	v.Banned = banned
	v.Delay = a.delay(max(n, v.Failures), a.maxDelay)
	return v
}

// Succeeded records that the attempt's password was right, and remembers
// the network it came from.
func (t *Attempt) Succeeded(ctx context.Context) error {
	if t == nil || t.done {
		return nil
	}
	t.Abandon()
	if t.account == "" {
		return nil
	}
	return t.a.remember(ctx, t.account, t.ip)
}

// Abandon ends an attempt that tested nothing after all (the credentials
// could not be read, the exchange was malformed).
func (t *Attempt) Abandon() {
	if t == nil || t.done {
		return
	}
	t.done = true
	if !t.gated {
		return
	}
	a := t.a
	a.mu.Lock()
	st := a.account(t.account)
	st.busy = false
	st.signal()
	a.mu.Unlock()
}
