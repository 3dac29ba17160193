package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// subscribeAll makes every contact relation of g a mutual subscription
// (RFC 6121 §3), by protocol so that it works on any server, for the
// users whose rosters do not already say "both". Everyone logs in with
// presence, approves every subscription request it gets, and asks each
// contact it lacks; done when every request has been approved.
func (s *run) subscribeAll(ctx context.Context, g ring) error {
	steps := client.Steps{Roster: true, KeepRoster: true, Presence: true}
	conns := s.loginAll(ctx, "roster", usersFrom(1, g.users), steps, nil)
	defer s.logoutAll(ctx, conns)
	need, total, err := s.missingSubscriptions(conns, g)
	if err != nil || total == 0 {
		return err
	}
	var got atomic.Int64
	subs := make([]*subscriber, len(conns))
	for i, c := range conns {
		if c == nil {
			continue
		}
		sub := &subscriber{conn: c, user: i + 1, g: g, prefix: s.cfg.UserPrefix, seen: make([]bool, g.contacts), got: &got, errs: &s.errs}
		subs[i] = sub
		c.Reader(sub.handle, func(err error) {
			if err != nil {
				s.errs.add(fmt.Errorf("subscribing: %w", err))
			}
		})
	}
	s.m.phase("subscribe", int64(total), got.Load)
	for i, c := range conns {
		if c == nil || len(need[i]) == 0 {
			continue
		}
		var b []byte
		for _, j := range need[i] {
			b = append(b, "<presence type='subscribe' to='"...)
			b = stream.AppendEscapedAttr(b, s.cfg.UserPrefix+strconv.Itoa(j)+"@"+s.cfg.Domain)
			b = append(b, "'/>"...)
		}
		if err := c.Write(b); err != nil {
			s.errs.add(fmt.Errorf("subscribing: %w", err))
		}
	}
	s.awaitCount(ctx, &got, int64(total))
	if n := got.Load(); n < int64(total) {
		return fmt.Errorf("setting up subscriptions: only %d of %d requests were approved within --grace", n, total)
	}
	return nil
}

// missingSubscriptions reads each user's roster and lists, per user, the
// contacts it is not yet mutually subscribed with.
func (s *run) missingSubscriptions(conns []*client.Conn, g ring) (need [][]int, total int, err error) {
	need = make([][]int, len(conns))
	for i, c := range conns {
		if c == nil {
			continue
		}
		if c.RosterErr != nil {
			return nil, 0, fmt.Errorf("the presence scenario needs rosters: %w", c.RosterErr)
		}
		both, err := mutualContacts(c.Roster, s.cfg.UserPrefix)
		if err != nil {
			return nil, 0, fmt.Errorf("reading %s's roster: %w", s.accounts[i].User, err)
		}
		for k := range g.contacts {
			if j := g.contact(i+1, k); !both[j] {
				need[i] = append(need[i], j)
			}
		}
		total += len(need[i])
	}
	return need, total, nil
}

// mutualContacts returns the users a roster result lists with
// subscription both. Setup runs once, so a tree is fine here.
func mutualContacts(raw []byte, prefix string) (map[int]bool, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, errors.New("empty roster result")
	}
	both := make(map[int]bool)
	for _, item := range doc.Root().FindElements(".//item") {
		if item.SelectAttrValue("subscription", "") == "both" {
			if n := userNumber([]byte(item.SelectAttrValue("jid", "")), prefix); n > 0 {
				both[n] = true
			}
		}
	}
	return both, nil
}

// awaitCount waits until *n reaches want or stops moving for --grace.
func (s *run) awaitCount(ctx context.Context, n *atomic.Int64, want int64) {
	s.awaitQuiet(ctx, func() (int64, bool) {
		v := n.Load()
		return v, v >= want
	})
}

// subscriber approves the subscription requests one user receives and
// counts the approvals of its own requests.
type subscriber struct {
	conn   *client.Conn
	user   int
	g      ring
	prefix string
	seen   []bool
	got    *atomic.Int64
	errs   *errLog
	reply  []byte
}

func (s *subscriber) handle(el *stream.Element) {
	if el.Name.Local != "presence" {
		return
	}
	from := el.AttrBytes("from")
	if i := bytes.IndexByte(from, '/'); i >= 0 {
		from = from[:i]
	}
	switch string(el.AttrBytes("type")) {
	case "subscribe":
		s.reply = append(s.reply[:0], "<presence type='subscribed' to='"...)
		s.reply = stream.AppendEscapedAttr(s.reply, string(from))
		s.reply = append(s.reply, "'/>"...)
		if err := s.conn.Write(s.reply); err != nil {
			s.errs.add(fmt.Errorf("approving a subscription: %w", err))
		}
	case "subscribed":
		k := s.g.position(s.user, userNumber(from, s.prefix))
		if k >= 0 && !s.seen[k] {
			s.seen[k] = true
			s.got.Add(1)
		}
	}
}
