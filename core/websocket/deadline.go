package websocket

import (
	"context"
	"sync"
	"time"
)

// deadline is a read deadline in the form the WebSocket library takes: a
// context, which it holds for a whole message, however many reads that
// takes. A timer cancels the context when the deadline passes; moving the
// deadline moves the timer. Once it has passed, the library has closed the
// connection if a read was under way, and the next read fails.
type deadline struct {
	mu     sync.Mutex
	at     time.Time // zero: none
	ctx    context.Context
	cancel context.CancelFunc
	timer  *time.Timer
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at = t
	if d.ctx == nil || (d.ctx.Err() != nil && (t.IsZero() || t.After(time.Now()))) {
		d.ctx, d.cancel = context.WithCancel(context.Background())
	}
	switch {
	case t.IsZero():
		if d.timer != nil {
			d.timer.Stop()
		}
	case d.timer == nil:
		d.timer = time.AfterFunc(time.Until(t), d.expire)
	default:
		d.timer.Reset(time.Until(t))
	}
}

// expire runs when the timer fires; the deadline may have moved since.
func (d *deadline) expire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.at.IsZero() && !time.Now().Before(d.at) {
		d.cancel()
	}
}

// context is what reads from now on are bound by.
func (d *deadline) context() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil {
		d.ctx, d.cancel = context.WithCancel(context.Background())
	}
	return d.ctx
}
