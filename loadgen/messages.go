package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen/client"
	"github.com/switchboard-xmpp/switchboard/loadgen/histogram"
)

// endpoint is one user of a pair (or an occupant of a room): its
// connection, the messages it sends its peer (its room), and what it
// receives from the peer (from the room).
type endpoint struct {
	conn    *client.Conn
	tmpl    template
	credits chan struct{} // the send window: one token per message that may be in flight
	sent    int           // written by the sender goroutine only
	seqBase int           // the first message's sequence number (rooms: the occupant's range)
	recv    *receiver
}

// messages runs P pairs of users, each user sending --count messages to
// its peer with at most --window in flight, and reports delivered
// messages per second, end-to-end latency and losses.
func (s *run) messages(ctx context.Context) *Result {
	cfg := &s.cfg
	pairs := cfg.pairs()
	res := &Result{Unit: "messages"}
	res.Params.Pairs, res.Params.Count, res.Params.Window, res.Params.Size, res.Params.Rate = pairs, cfg.Count, cfg.Window, cfg.Size, cfg.Rate
	runID := rand.Uint32()
	epoch := time.Now()
	conns := s.connectPairs(ctx, pairs, runID)
	eps := s.endpoints(conns, runID, epoch)

	start := make(chan struct{})
	var senders sync.WaitGroup
	for _, e := range eps {
		if e == nil {
			continue
		}
		e.conn.Reader(e.recv.handle, func(err error) {
			if err != nil {
				s.errs.add(err)
			}
		})
		senders.Go(func() { s.send(ctx, e, epoch, start) })
	}
	s.m.phase("messages", int64(2*pairs*cfg.Count), func() int64 {
		var n int64
		for _, e := range eps {
			if e != nil {
				n += e.recv.unique.Load()
			}
		}
		return n
	})
	cpu0, t0 := s.cpuNow(), time.Since(epoch)
	close(start)
	senders.Wait()
	s.awaitDelivery(ctx, eps)
	s.chargeCPU(res, cpu0)
	s.logoutAll(ctx, conns) // also stops the readers, so their state can be read
	s.tally(res, eps, t0)
	return res
}

// connectPairs logs in users 1..2P (user 2p+1 and 2p+2 form pair p) or,
// with --relay, opens two relay connections per pair.
func (s *run) connectPairs(ctx context.Context, pairs int, runID uint32) []*client.Conn {
	if !s.cfg.Relay {
		return s.loginAll(ctx, "login", usersFrom(1, 2*pairs), client.Steps{Roster: true, Presence: true}, nil)
	}
	conns := make([]*client.Conn, 2*pairs)
	s.forEach(ctx, "connect", 2*pairs, s.cfg.Concurrency, func(_, i int) error {
		c, err := client.DialRelay(ctx, s.opts[0], fmt.Sprintf("%08x-%d", runID, i/2))
		if err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		conns[i] = c
		return nil
	})
	return conns
}

// endpoints pairs up the connections; a pair with a failed login is left
// out (its failure is already counted).
func (s *run) endpoints(conns []*client.Conn, runID uint32, epoch time.Time) []*endpoint {
	cfg := &s.cfg
	eps := make([]*endpoint, len(conns))
	for p := 0; p < len(conns); p += 2 {
		if conns[p] == nil || conns[p+1] == nil {
			continue
		}
		for i := range 2 {
			e := &endpoint{conn: conns[p+i], credits: make(chan struct{}, cfg.Window)}
			for range cfg.Window {
				e.credits <- struct{}{}
			}
			eps[p+i] = e
		}
		for i := range 2 {
			e, peer := eps[p+i], eps[p+1-i]
			e.tmpl = newTemplate(s.peerAddress(peer.conn, p+1-i), "chat", runID, cfg.Size)
			e.recv = newReceiver(runID, cfg.Count, epoch, creditTo(peer.credits), &s.errs, &s.warns)
		}
	}
	return eps
}

// peerAddress is where messages to the user at index i go: the full JID it
// bound, so delivery does not depend on whether its initial presence has
// been processed yet, as it would for a bare JID.
func (s *run) peerAddress(c *client.Conn, i int) string {
	if c.JID != "" {
		return c.JID
	}
	return s.cfg.UserPrefix + strconv.Itoa(i+1) + "@" + s.cfg.Domain
}

var errStalled = errors.New("stalled: no message delivered to the peer within --grace, giving up on the rest")

// send writes e's messages, as many at a time as the window allows, each
// batch in one write. It stops when a window stays shut for --grace.
// With --rate each sender has its share of the rate, messages due at
// even intervals from a random start within the first, and a message
// carries the time it was due, not the time it went: a server that makes
// the senders wait shows it in the latency (no coordinated omission).
func (s *run) send(ctx context.Context, e *endpoint, epoch time.Time, start <-chan struct{}) {
	<-start
	count, grace := s.cfg.Count, s.cfg.Grace
	var interval time.Duration
	var begin time.Time
	if s.cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(2*s.cfg.pairs()) / s.cfg.Rate)
		begin = time.Now().Add(rand.N(interval))
	}
	buf := make([]byte, 0, s.cfg.Window*len(e.tmpl.raw))
	timer := time.NewTimer(grace)
	timer.Stop()
	for e.sent < count {
		due := count - e.sent // messages due now
		if interval > 0 {
			at := begin.Add(time.Duration(e.sent) * interval)
			if d := time.Until(at); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
			due = min(due, int(time.Since(begin)/interval)+1-e.sent)
		}
		select {
		case <-e.credits:
		default:
			timer.Reset(grace)
			select {
			case <-e.credits:
				timer.Stop()
			case <-timer.C:
				s.errs.add(errStalled)
				return
			case <-ctx.Done():
				return
			}
		}
		n := 1
	more:
		for n < due {
			select {
			case <-e.credits:
				n++
			default:
				break more
			}
		}
		buf = buf[:0]
		ts := int64(time.Since(epoch))
		if interval > 0 {
			ts = int64(begin.Add(time.Duration(e.sent) * interval).Sub(epoch))
		}
		for k := range n {
			e.tmpl.stamp(uint32(e.seqBase+e.sent+k), ts)
			buf = append(buf, e.tmpl.raw...)
		}
		if err := e.conn.Write(buf); err != nil {
			s.errs.add(err)
			return
		}
		e.sent += n
	}
}

// awaitDelivery waits until every receiver has everything, or --grace
// after the last send, whichever comes first.
func (s *run) awaitDelivery(ctx context.Context, eps []*endpoint) {
	deadline := time.NewTimer(s.cfg.Grace)
	defer deadline.Stop()
	for _, e := range eps {
		if e == nil {
			continue
		}
		select {
		case <-e.recv.complete:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// tally adds up the receivers once their readers have stopped.
func (s *run) tally(res *Result, eps []*endpoint, t0 time.Duration) {
	d := &Delivery{}
	var last time.Duration
	var all histogram.Histogram
	var byClass [2]histogram.Histogram // same node, across nodes
	var delivered [2]int64
	for p := 0; p < len(eps); p += 2 {
		class := 0
		if crossPair(p / 2) {
			class = 1
		}
		for i := range 2 {
			e, peer := eps[p+i], eps[p+1-i]
			if e == nil {
				continue
			}
			got := e.recv.unique.Load()
			d.Sent += int64(peer.sent)
			d.Delivered += got
			d.Lost += int64(peer.sent) - got
			d.Duplicated += e.recv.dups
			last = max(last, e.recv.last)
			all.Merge(&e.recv.hist)
			byClass[class].Merge(&e.recv.hist)
			delivered[class] += got
		}
	}
	res.Messages = d
	res.Ops = d.Delivered
	if last > t0 {
		res.Elapsed = (last - t0).Seconds()
	}
	res.Latency = latencyOf(&all)
	if len(s.cfg.NodeAddrs) > 0 {
		res.Nodes = &NodeSplit{
			Nodes:          1 + len(s.cfg.NodeAddrs),
			SameDelivered:  delivered[0],
			CrossDelivered: delivered[1],
			Same:           latencyOf(&byClass[0]),
			Cross:          latencyOf(&byClass[1]),
		}
	}
}
