package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/loadgen/client"
	"github.com/switchboard-xmpp/switchboard/loadgen/histogram"
)

// rooms runs --rooms group chat rooms (XEP-0045) of --occupants each:
// users 1..R×N log in, room r holding users rN+1..rN+N. Each room is new
// (named after the run), made by its first occupant, an instant room if
// the service asks for a configuration; then the others join. Every
// occupant sends --count messages to its room with at most --window in
// flight, a message's credit coming back when the room reflects it to its
// sender. Each message is delivered to every occupant, the sender
// included: the rate is deliveries per second, the latency end to end
// over every delivery, and nothing may be lost or duplicated.
func (s *run) rooms(ctx context.Context) *Result {
	cfg := &s.cfg
	n := cfg.Occupants
	res := &Result{Unit: "deliveries"}
	res.Params.Rooms, res.Params.Occupants = cfg.Rooms, n
	res.Params.Count, res.Params.Window, res.Params.Size = cfg.Count, cfg.Window, cfg.Size
	runID := rand.Uint32()
	epoch := time.Now()
	room := func(r int) string { return fmt.Sprintf("bench%08x-%d@%s", runID, r, cfg.mucDomain()) }
	nick := func(i int) string { return "u" + strconv.Itoa(i+1) }

	conns := s.loginAll(ctx, "login", usersFrom(1, cfg.Rooms*n), client.Steps{Roster: true, Presence: true}, nil)
	// An occupant that could not join is logged out and left out with
	// its room; its failure is counted.
	drop := func(i int, err error) error {
		if err != nil {
			conns[i].Abort()
			conns[i] = nil
		}
		return err
	}
	s.forEach(ctx, "create rooms", cfg.Rooms, cfg.Concurrency, func(_, r int) error {
		if c := conns[r*n]; c != nil {
			return drop(r*n, createRoom(c, room(r), nick(r*n)))
		}
		return nil
	})
	s.forEach(ctx, "join", len(conns), cfg.Concurrency, func(_, i int) error {
		if c := conns[i]; c != nil && i%n != 0 && conns[i-i%n] != nil {
			_, err := joinRoom(c, room(i/n), nick(i))
			return drop(i, err)
		}
		return nil
	})

	eps := s.occupants(conns, room, runID, epoch)
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
	s.m.phase("rooms", int64(cfg.Rooms*n*n*cfg.Count), func() int64 {
		var total int64
		for _, e := range eps {
			if e != nil {
				total += e.recv.unique.Load()
			}
		}
		return total
	})
	cpu0, t0 := s.cpuNow(), time.Since(epoch)
	close(start)
	senders.Wait()
	s.awaitDelivery(ctx, eps)
	s.chargeCPU(res, cpu0)
	s.logoutAll(ctx, conns)
	s.tallyRooms(res, eps, t0)
	return res
}

// occupants makes the endpoints of every room whose occupants all logged
// in and joined; a room missing one is left out (its failure is counted).
// Occupant j of a room numbers its messages from j×count, so that every
// receiver tells senders apart in one range.
func (s *run) occupants(conns []*client.Conn, room func(int) string, runID uint32, epoch time.Time) []*endpoint {
	cfg := &s.cfg
	n := cfg.Occupants
	eps := make([]*endpoint, len(conns))
	for r := range cfg.Rooms {
		members := conns[r*n : (r+1)*n]
		if containsNil(members) {
			continue
		}
		for j, c := range members {
			e := &endpoint{conn: c, credits: make(chan struct{}, cfg.Window), seqBase: j * cfg.Count}
			for range cfg.Window {
				e.credits <- struct{}{}
			}
			e.tmpl = newTemplate(room(r), "groupchat", runID, cfg.Size)
			own := creditTo(e.credits)
			e.recv = newReceiver(runID, n*cfg.Count, epoch, func(seq uint32) {
				if int(seq)/cfg.Count == j {
					own(seq)
				}
			}, &s.errs, &s.warns)
			eps[r*n+j] = e
		}
	}
	return eps
}

func containsNil(conns []*client.Conn) bool {
	for _, c := range conns {
		if c == nil {
			return true
		}
	}
	return false
}

// tallyRooms adds up the receivers once their readers have stopped: every
// occupant of a room should have what all of the room's occupants sent.
func (s *run) tallyRooms(res *Result, eps []*endpoint, t0 time.Duration) {
	n := s.cfg.Occupants
	d := &Delivery{}
	var last time.Duration
	var all histogram.Histogram
	for r := 0; r < len(eps); r += n {
		members := eps[r : r+n]
		if members[0] == nil {
			continue
		}
		var sent int64
		for _, e := range members {
			sent += int64(e.sent)
		}
		for _, e := range members {
			got := e.recv.unique.Load()
			d.Sent += sent
			d.Delivered += got
			d.Lost += sent - got
			d.Duplicated += e.recv.dups
			last = max(last, e.recv.last)
			all.Merge(&e.recv.hist)
		}
	}
	res.Messages = d
	res.Ops = d.Delivered
	if last > t0 {
		res.Elapsed = (last - t0).Seconds()
	}
	res.Latency = latencyOf(&all)
}

var status201 = regexp.MustCompile(`code=['"]201['"]`)

// createRoom joins a new room and, when the service says it created it
// and waits for its configuration (XEP-0045 §10.1.2), accepts the default
// one: an instant room.
func createRoom(c *client.Conn, room, nick string) error {
	created, err := joinRoom(c, room, nick)
	if err != nil || !created {
		return err
	}
	req := "<iq type='set' id='bench-cfg' to='" + string(stream.AppendEscapedAttr(nil, room)) +
		"'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>"
	if err := c.Write([]byte(req)); err != nil {
		return err
	}
	for {
		el, err := c.Next()
		if err != nil {
			return fmt.Errorf("creating %s: %w", room, err)
		}
		if el.Name.Local == "iq" && string(el.AttrBytes("id")) == "bench-cfg" {
			if string(el.AttrBytes("type")) == "error" {
				return &client.StanzaError{What: "room configuration", Condition: client.ErrorCondition(el.Raw)}
			}
			return nil
		}
	}
}

// joinRoom enters room as nick, without history, and waits for the
// room's presence of the occupant itself; created says that the room is
// new (status 201).
func joinRoom(c *client.Conn, room, nick string) (created bool, err error) {
	occupant := room + "/" + nick
	req := "<presence to='" + string(stream.AppendEscapedAttr(nil, occupant)) +
		"'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>"
	if err := c.Write([]byte(req)); err != nil {
		return false, err
	}
	for {
		el, err := c.Next()
		if err != nil {
			return false, fmt.Errorf("joining %s: %w", room, err)
		}
		if el.Name.Local != "presence" || !bytes.Equal(el.AttrBytes("from"), []byte(occupant)) {
			continue
		}
		if string(el.AttrBytes("type")) == "error" {
			return false, &client.StanzaError{What: "join", Condition: client.ErrorCondition(el.Raw)}
		}
		return status201.Match(el.Raw), nil
	}
}
