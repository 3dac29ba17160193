package loadgen

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/loadgen/client"
	"github.com/switchboard-xmpp/switchboard/loadgen/histogram"
)

// receiver accounts for the messages one endpoint gets from its peer (or,
// in a room, from every occupant). It is driven by the endpoint's reader
// goroutine alone; only unique is read from elsewhere while the run goes
// on (for progress and completion).
type receiver struct {
	run         uint32
	count       int
	epoch       time.Time
	credit      func(seq uint32) // reopens the sender's window for message seq received
	errs, warns *errLog

	seen     []uint64 // bitmap of sequence numbers received
	unique   atomic.Int64
	dups     int64
	last     time.Duration // since epoch, of the last new message
	hist     histogram.Histogram
	complete chan struct{} // closed when all count messages are in
}

func newReceiver(run uint32, count int, epoch time.Time, credit func(seq uint32), errs, warns *errLog) *receiver {
	return &receiver{
		run: run, count: count, epoch: epoch, credit: credit, errs: errs, warns: warns,
		seen:     make([]uint64, (count+63)/64),
		complete: make(chan struct{}),
	}
}

var (
	errStale      = errors.New("ignored a message from an earlier run (offline storage?)")
	errOutOfRange = errors.New("protocol: a message with a sequence number beyond --count")
)

func (r *receiver) handle(el *stream.Element) {
	if el.Name.Local != "message" {
		return
	}
	if string(el.AttrBytes("type")) == "error" {
		r.errs.add(errors.New("message bounced: " + client.ErrorCondition(el.Raw)))
		return
	}
	run, seq, ts, ok := decodeBody(el.Raw)
	if !ok {
		return // a server notice, say; nothing of ours
	}
	if run != r.run {
		r.warns.add(errStale)
		return
	}
	now := time.Since(r.epoch)
	if int(seq) >= r.count {
		r.errs.add(errOutOfRange)
		return
	}
	w, bit := seq/64, uint64(1)<<(seq%64)
	if r.seen[w]&bit != 0 {
		r.dups++
		return
	}
	r.seen[w] |= bit
	r.hist.Record(now - time.Duration(ts))
	r.last = now
	r.credit(seq)
	if r.unique.Add(1) == int64(r.count) {
		close(r.complete)
	}
}

// creditTo returns a credit function that reopens the window credits.
func creditTo(credits chan struct{}) func(uint32) {
	return func(uint32) {
		select {
		case credits <- struct{}{}:
		default:
		}
	}
}
