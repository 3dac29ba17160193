package loadgen

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// iq has --concurrency sessions each send --count IQ requests one after
// another, each waiting for its answer: a ping to the server (XEP-0199,
// answered by the ping plugin on Switchboard), a roster get (answered by
// the roster plugin) or a query of the user's own message archive
// (XEP-0313, pages of --page messages): mam-peer, the last page with the
// peer the messages scenario pairs the user with; mam-range, the first page
// of the last --since, any peer; mam-page, page after page with that peer
// from the oldest, each query asking for the page after the one before
// (RSM <after/>), from the start again after the last. It reports round
// trips per second and their latency.
func (s *run) iq(ctx context.Context) *Result {
	cfg := &s.cfg
	res := &Result{Unit: "round trips"}
	res.Params.Concurrency, res.Params.Count, res.Params.IQ = cfg.Concurrency, cfg.Count, cfg.IQ
	if strings.HasPrefix(cfg.IQ, "mam") {
		res.Params.Page = cfg.Page
	}
	conns := s.loginAll(ctx, "login", usersFrom(1, cfg.Concurrency), client.Steps{Roster: true, Presence: true}, nil)

	lat := newLatencies(len(conns))
	var items atomic.Int64
	done := make([]paddedCounter, len(conns))
	s.m.phase("iq "+cfg.IQ, int64(len(conns)*cfg.Count), func() int64 {
		var n int64
		for i := range done {
			n += done[i].n.Load()
		}
		return n
	})
	cpu0, t0 := s.cpuNow(), time.Now()
	var wg sync.WaitGroup
	for i, c := range conns {
		if c != nil {
			wg.Go(func() { s.roundTrips(ctx, c, i, lat, &done[i].n, &items) })
		}
	}
	wg.Wait()
	res.Elapsed = time.Since(t0).Seconds()
	s.chargeCPU(res, cpu0)
	for i := range done {
		res.Ops += done[i].n.Load()
	}
	res.Latency = latencyOf(lat.merged())
	if strings.HasPrefix(cfg.IQ, "mam") {
		res.Items = items.Load()
		if res.Items == 0 && res.Ops > 0 {
			s.warns.add(errors.New("the queries found no archived messages: fill the archive first (bench messages)"))
		}
	}
	s.logoutAll(ctx, conns)
	return res
}

type paddedCounter struct {
	n atomic.Int64
	_ [56]byte
}

// roundTrips runs one session's requests. The request is rebuilt in place
// with a new id each time; the first error ends the session, since a
// server that refuses one request refuses them all. items counts the
// archived messages the answers carried.
func (s *run) roundTrips(ctx context.Context, c *client.Conn, w int, lat *latencies, done, items *atomic.Int64) {
	var after []byte // mam-page: the last id of the page before
	open := "<iq type='get' id='"
	if strings.HasPrefix(s.cfg.IQ, "mam") {
		open = "<iq type='set' id='" // a query; a get asks for the form
	}
	req := make([]byte, 0, 512)
	for k := 0; k < s.cfg.Count && ctx.Err() == nil; k++ {
		req = append(req[:0], open...)
		idAt := len(req)
		req = append(req, "00000000"...)
		putHex(req[idAt:], uint64(k))
		req = append(req, '\'')
		req = s.iqBody(req, w, after)
		id := req[idAt : idAt+8]
		t0 := time.Now()
		if err := c.Write(req); err != nil {
			s.errs.add(err)
			return
		}
		el, n, err := s.awaitAnswer(c, id)
		if err != nil {
			s.errs.add(err)
			return
		}
		if string(el.AttrBytes("type")) == "error" {
			s.errs.add(&client.StanzaError{What: s.cfg.IQ, Condition: client.ErrorCondition(el.Raw)})
			return
		}
		lat.record(w, time.Since(t0))
		done.Add(1)
		items.Add(int64(n))
		if s.cfg.IQ == "mam-page" {
			after = nextAfter(el.Raw, after)
		}
	}
}

// iqBody appends the rest of the request after its id attribute: the
// addressing and the payload of the --iq kind, for the session of user
// w+1.
func (s *run) iqBody(req []byte, w int, after []byte) []byte {
	const mamOpen = "><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" +
		"<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
	switch s.cfg.IQ {
	case "ping":
		req = append(req, " to='"...)
		req = stream.AppendEscapedAttr(req, s.cfg.Domain)
		return append(req, "'><ping xmlns='urn:xmpp:ping'/></iq>"...)
	case "roster":
		return append(req, "><query xmlns='jabber:iq:roster'/></iq>"...)
	case "mam-range":
		req = append(req, mamOpen...)
		req = append(req, "<field var='start'><value>"...)
		req = time.Now().Add(-s.cfg.Since).UTC().AppendFormat(req, time.RFC3339Nano)
		req = append(req, "</value></field></x>"...)
		return s.appendSet(req, "", nil)
	}
	// mam-peer and mam-page: the pair partner of the messages scenario
	// (users 2p+1 and 2p+2 form pair p).
	req = append(req, mamOpen...)
	req = append(req, "<field var='with'><value>"...)
	req = stream.AppendEscapedText(req, s.cfg.bareJID(w^1+1))
	req = append(req, "</value></field></x>"...)
	if s.cfg.IQ == "mam-peer" {
		return s.appendSet(req, "<before/>", nil)
	}
	return s.appendSet(req, "", after)
}

// appendSet closes a MAM query with its RSM set: --page messages, then
// extra (<before/>), or <after/> with the given id.
func (s *run) appendSet(req []byte, extra string, after []byte) []byte {
	req = append(req, "<set xmlns='http://jabber.org/protocol/rsm'><max>"...)
	req = strconv.AppendInt(req, int64(s.cfg.Page), 10)
	req = append(req, "</max>"...)
	req = append(req, extra...)
	if len(after) > 0 {
		req = append(req, "<after>"...)
		req = stream.AppendEscapedText(req, string(after))
		req = append(req, "</after>"...)
	}
	return append(req, "</set></query></iq>"...)
}

// nextAfter is the <after/> of the next page: the <last/> of the answer's
// <fin/>, or none (from the start again) when the answer was the last page
// or carried nothing.
func nextAfter(fin []byte, prev []byte) []byte {
	if bytes.Contains(fin, []byte("complete='true'")) || bytes.Contains(fin, []byte(`complete="true"`)) {
		return prev[:0]
	}
	_, rest, ok := bytes.Cut(fin, []byte("<last>"))
	if !ok {
		return prev[:0]
	}
	last, _, ok := bytes.Cut(rest, []byte("</last>"))
	if !ok {
		return prev[:0]
	}
	return append(prev[:0], last...)
}

// awaitAnswer reads up to the answer to the request with this id, and
// counts the messages before it: a MAM query's results.
func (s *run) awaitAnswer(c *client.Conn, id []byte) (*stream.Element, int, error) {
	n := 0
	for {
		el, err := c.Next()
		if err != nil {
			return nil, n, err
		}
		switch el.Name.Local {
		case "iq":
			if bytes.Equal(el.AttrBytes("id"), id) {
				return el, n, nil
			}
		case "message":
			if bytes.Contains(el.Raw, []byte("urn:xmpp:mam:2")) {
				n++
			}
		}
	}
}
