package c2s

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// admit waits until the account's password may be tested for this client
// (limiter.Auth.Admit): the stream reads nothing meanwhile, so a client
// cannot line up guesses behind it. The wait ends with the pre-auth
// deadline, which closes the stream anyway.
func (c *Conn) admit(ctx context.Context, account string) (*limiter.Attempt, error) {
	if c.srv.cfg.Auth == nil {
		return nil, nil
	}
	ctx, cancel := c.whileOpen(ctx)
	defer cancel()
	if account != "" {
		// Accounts of different domains are different accounts.
		account += "@" + c.domain
	}
	return c.srv.cfg.Auth.Admit(ctx, addrOf(c.raw.RemoteAddr()), account, c.preauthDeadline)
}

// whileOpen is ctx, cancelled when the connection closes: a wait on the
// serve goroutine must not hold up a shutdown or outlive the client.
func (c *Conn) whileOpen(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := make(chan struct{})
	go func() {
		select {
		case <-c.out.done:
			cancel()
		case <-stop:
		}
	}()
	return ctx, func() {
		close(stop)
		cancel()
	}
}

// penalize records a failed login: the answer waits (longer with every
// failure of the account or the address), an account that keeps failing is
// locked, and an address that keeps failing is banned and its stream
// closed.
func (c *Conn) penalize(ctx context.Context, att *limiter.Attempt, account string) error {
	a := c.srv.cfg.Auth
	if a == nil {
		return nil
	}
	ip := addrOf(c.raw.RemoteAddr())
	if att == nil {
		// A failure no Testing announced; count it against the address.
		var err error
		if att, err = a.Admit(ctx, ip, "", time.Time{}); err != nil {
			return fmt.Errorf("counting a failed login: %w", err)
		}
	}
	v := att.Failed()
	if v.Locked {
		c.log.Warn("account locked after repeated authentication failures: its password is tested at most once an interval, except from networks it logged in from lately",
			"user", account, "failures", v.Failures, "interval", v.AccountDelay, "ip", ip.String(),
			"clear_with", "switchboard user unlock "+account+"@"+c.domain)
	}
	if v.Banned {
		c.log.Warn("address banned after repeated authentication failures", "ip", ip.String(), "user", account, "ban_time", c.srv.cfg.BanTime)
		return stream.NewError("policy-violation", "too many failed authentication attempts from this address")
	}
	ctx, cancel := c.whileOpen(ctx)
	defer cancel()
	t := time.NewTimer(v.Delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// loggedIn ends a successful attempt; the network it came from is
// remembered so that a lock on the account does not hold it up.
func (c *Conn) loggedIn(ctx context.Context, att *limiter.Attempt) {
	if err := att.Succeeded(ctx); err != nil {
		c.log.Warn("could not remember the network an account logged in from", "user", c.username, "error", err)
	}
}
