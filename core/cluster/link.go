package cluster

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// remoteSink is the Sink of a session that another node holds: it queues
// the stanza on the link to that node.
type remoteSink struct {
	l    *link
	full string
	id   string // the session's, on its node
}

func (s *remoteSink) Deliver(b []byte) bool       { return s.l.enqueue(s.full, false, b) }
func (s *remoteSink) DeliverShared(b []byte) bool { return s.l.enqueue(s.full, true, b) }

// Close asks the node holding the session to close it: an administrator's
// kick, an account deleted, a resource taken over.
func (s *remoteSink) Close(err *stream.Error) { s.l.n.requestClose(s.l.node, s.full, s.id, err) }

// links holds one link per node stanzas went to.
type links struct {
	n  *Node
	mu sync.Mutex
	m  map[string]*link
}

func (ls *links) get(node string) *link {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l := ls.m[node]
	if l == nil {
		l = &link{n: ls.n, node: node, subject: ls.n.subject(node)}
		ls.m[node] = l
	}
	return l
}

// setDown marks the link to node down or up again, if there is one.
func (ls *links) setDown(node string, down bool) {
	ls.mu.Lock()
	l := ls.m[node]
	ls.mu.Unlock()
	if l != nil {
		l.setDown(down)
	}
}

// link queues the stanzas for one node and sends them in batches, one
// batch at a time, each acknowledged before the next: the stanzas reach
// the node in the order they were routed (RFC 6120 §10.1). A flusher
// goroutine runs only while something is queued.
type link struct {
	n       *Node
	node    string
	subject string

	mu      sync.Mutex
	queue   []item
	running bool
	// down: the node is dead or did not acknowledge in time; what is
	// routed to it is refused, for the router to store offline, until its
	// liveness key is seen refreshed.
	down bool
}

type item struct {
	full   string
	shared bool
	b      []byte
}

func (l *link) enqueue(full string, shared bool, b []byte) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down || len(l.queue) >= l.n.cfg.Queue {
		return false
	}
	l.queue = append(l.queue, item{full: full, shared: shared, b: bytes.Clone(b)})
	if !l.running {
		l.running = true
		go l.flush()
	}
	return true
}

func (l *link) setDown(down bool) {
	l.mu.Lock()
	changed := l.down != down
	l.down = down
	l.mu.Unlock()
	if changed {
		l.n.log.Info("link to node", "to", l.node, "down", down)
	}
}

func (l *link) flush() {
	var buf []byte
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.queue, l.running = nil, false
			l.mu.Unlock()
			return
		}
		k := min(len(l.queue), l.n.cfg.Batch)
		batch := l.queue[:k:k]
		l.queue = l.queue[k:]
		down := l.down
		l.mu.Unlock()
		if !down {
			buf = encodeBatch(buf[:0], batch)
			err := l.send(buf)
			if err == nil {
				continue
			}
			l.n.log.Warn("a node did not take a batch of stanzas: storing its messages offline", "to", l.node, "stanzas", len(batch), "error", err)
			l.setDown(true)
		}
		for _, it := range batch {
			l.n.takeBack(it.full, it.b)
		}
	}
}

func (l *link) send(b []byte) error {
	ctx, cancel := context.WithTimeout(l.n.ctx, l.n.waitFor())
	defer cancel()
	reply, err := l.n.nc.RequestWithContext(ctx, l.subject, b)
	if err != nil {
		return fmt.Errorf("sending to %s: %w", l.subject, err)
	}
	if string(reply.Data) != ack {
		return fmt.Errorf("sending to %s: refused: %s", l.subject, reply.Data)
	}
	return nil
}

// ack is a receiving node's answer to a batch it took.
const ack = "ok"

// receive takes a batch of stanzas for this node's sessions. What it
// cannot hand to a session (gone, or its queue full) is routed again
// here, after the acknowledgement, so that a slow store does not make
// the sender give up on the whole batch.
func (n *Node) receive(m *nats.Msg) {
	items, err := decodeBatch(m.Data)
	if err != nil {
		n.log.Warn("dropping a batch of stanzas that does not decode", "subject", m.Subject, "error", err)
		n.respond(m, "bad batch")
		return
	}
	var back []item
	for _, it := range items {
		bare, res, _ := strings.Cut(it.full, "/")
		s := n.table.Lookup(bare, res)
		switch {
		case s == nil || s.Node != "":
		case it.shared && s.Sink.DeliverShared(it.b):
			continue
		case !it.shared && s.Sink.Deliver(it.b):
			continue
		}
		back = append(back, it)
	}
	n.respond(m, ack)
	for _, it := range back {
		n.takeBack(it.full, it.b)
	}
}

func (n *Node) respond(m *nats.Msg, answer string) {
	if err := m.Respond([]byte(answer)); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		n.log.Warn("acknowledging a batch of stanzas", "error", err)
	}
}

// encodeBatch appends items as: for each, the full JID and the stanza,
// each preceded by its length as a uvarint, and a flags byte between.
func encodeBatch(b []byte, items []item) []byte {
	for _, it := range items {
		b = binary.AppendUvarint(b, uint64(len(it.full)))
		b = append(b, it.full...)
		var flags byte
		if it.shared {
			flags = 1
		}
		b = append(b, flags)
		b = binary.AppendUvarint(b, uint64(len(it.b)))
		b = append(b, it.b...)
	}
	return b
}

var errBatch = errors.New("truncated batch")

// decodeBatch reads what encodeBatch wrote; the stanzas alias b.
func decodeBatch(b []byte) ([]item, error) {
	var items []item
	field := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, errBatch
		}
		f := b[k : k+int(n)]
		b = b[k+int(n):]
		return f, nil
	}
	for len(b) > 0 {
		full, err := field()
		if err != nil || len(b) == 0 {
			return nil, errBatch
		}
		flags := b[0]
		b = b[1:]
		st, err := field()
		if err != nil {
			return nil, err
		}
		items = append(items, item{full: string(full), shared: flags&1 != 0, b: st})
	}
	return items, nil
}
