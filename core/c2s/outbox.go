package c2s

import (
	"errors"
	"net"
	"sync"
	"time"
)

// outbox is a connection's send queue. Senders append encoded stanzas under a
// mutex and return at once; a flusher goroutine, started only while there is
// something to write, swaps the buffer out and writes everything queued in
// one call. That coalesces bursts into few TLS records and syscalls, holds no
// lock across I/O, and keeps no goroutine alive for an idle session.
type outbox struct {
	bufs         *bufPool // where the queue's buffers come from and go back between bursts; nil: allocate
	conn         net.Conn
	limit        int           // bytes queued before the client counts as not reading
	writeTimeout time.Duration // per flush; a client that stops reading is cut off
	onError      func(error)   // called once, from the flusher, when a write fails

	mu       sync.Mutex
	pending  []byte
	spare    []byte
	flushing bool
	closing  bool // no more data accepted; close conn once pending is written
	closed   bool // conn closed
	failed   bool
	done     chan struct{}
	idle     sync.Cond // signalled when a flush ends, for drain
}

// bufPool lends write buffers to the outboxes of a server. An idle session
// then holds no buffer at all: its outbox gives both back when a burst is
// written, and takes one when the next begins.
type bufPool struct{ p sync.Pool }

func (b *bufPool) get() []byte {
	if b == nil {
		return nil
	}
	if v, ok := b.p.Get().(*[]byte); ok {
		return (*v)[:0]
	}
	return nil
}

func (b *bufPool) put(buf []byte) {
	if b == nil || cap(buf) == 0 || cap(buf) > maxRetained {
		return
	}
	buf = buf[:0]
	b.p.Put(&buf)
}

func newOutbox(bufs *bufPool, conn net.Conn, limit int, writeTimeout time.Duration, onError func(error)) *outbox {
	o := &outbox{bufs: bufs, conn: conn, limit: limit, writeTimeout: writeTimeout, onError: onError, done: make(chan struct{})}
	o.idle.L = &o.mu
	return o
}

// errOverflow and errClosing say why write refused bytes.
var (
	errOverflow = errors.New("send queue full: the client is not reading")
	errClosing  = errors.New("stream closing")
)

// maxRetained bounds the buffer kept between bursts, so that one large
// stanza does not pin its size for the rest of the session.
const maxRetained = 64 << 10

// write queues b. It fails when the outbox is closing or b would take the
// queue past its limit.
func (o *outbox) write(b []byte) error {
	o.mu.Lock()
	if o.closing || o.failed {
		o.mu.Unlock()
		return errClosing
	}
	if o.limit > 0 && len(o.pending)+len(b) > o.limit {
		o.mu.Unlock()
		return errOverflow
	}
	if o.pending == nil {
		o.pending = o.bufs.get()
	}
	o.pending = append(o.pending, b...)
	start := !o.flushing
	o.flushing = true
	o.mu.Unlock()
	if start {
		go o.flush()
	}
	return nil
}

// drain waits until everything queued has been written (or failed), and
// then lets the caller swap the connection, as STARTTLS does, before
// anything else is written.
func (o *outbox) drain(swap func(net.Conn) net.Conn) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.flushing {
		o.idle.Wait()
	}
	if o.failed {
		return errClosing
	}
	if swap != nil {
		o.conn = swap(o.conn)
	}
	return nil
}

// closeAfter queues b as the last bytes of the connection and closes it once
// everything before has been written. Further writes are refused.
func (o *outbox) closeAfter(b []byte) {
	o.mu.Lock()
	if o.closing {
		o.mu.Unlock()
		return
	}
	o.closing = true
	o.pending = append(o.pending, b...)
	start := !o.flushing
	o.flushing = true
	o.mu.Unlock()
	if start {
		go o.flush()
	}
}

func (o *outbox) flush() {
	for {
		o.mu.Lock()
		if len(o.pending) == 0 || o.failed {
			o.flushing = false
			o.bufs.put(o.pending)
			o.bufs.put(o.spare)
			o.pending, o.spare = nil, nil
			o.idle.Broadcast()
			finish := o.closing && !o.closed
			if finish {
				o.closed = true
			}
			conn := o.conn
			o.mu.Unlock()
			if finish {
				conn.Close()
				close(o.done)
			}
			return
		}
		buf := o.pending
		o.pending = o.spare[:0]
		conn := o.conn
		o.mu.Unlock()

		if o.writeTimeout > 0 {
			conn.SetWriteDeadline(time.Now().Add(o.writeTimeout))
		}
		_, err := conn.Write(buf)

		o.mu.Lock()
		if cap(buf) <= maxRetained {
			o.spare = buf[:0]
		} else {
			o.spare = nil
		}
		if err != nil && !o.failed {
			o.failed = true
			o.pending = nil
			o.mu.Unlock()
			o.onError(err)
			continue
		}
		o.mu.Unlock()
	}
}

// abort closes the connection without writing what is queued.
func (o *outbox) abort() {
	o.mu.Lock()
	o.closing = true
	o.failed = true
	o.pending = nil
	alreadyClosed := o.closed
	o.closed = true
	o.mu.Unlock()
	if alreadyClosed {
		return
	}
	o.conn.Close()
	close(o.done)
}
