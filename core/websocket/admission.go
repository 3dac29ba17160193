package websocket

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// httpConn is an accepted HTTP connection with its place under the
// per-address limits.
type httpConn struct {
	raw     net.Conn
	release func()
	// upgradeDeadline closes the connection if it has not become a
	// WebSocket in time.
	upgradeDeadline *time.Timer
	upgraded        atomic.Bool // hijacked: the stream owns release now
}

type httpConnKey struct{}

// admit is the server's ConnContext: it runs as each connection is
// accepted and applies the per-address limits, as c2s does for TCP; a
// refused connection is closed at once.
func (h *handler) admit(ctx context.Context, c net.Conn) context.Context {
	release, ok := h.c2s.Admit(c)
	if !ok {
		c.Close()
		return ctx
	}
	hc := &httpConn{raw: c, release: release}
	hc.upgradeDeadline = time.AfterFunc(h.cfg.UpgradeTimeout, func() { c.Close() })
	h.mu.Lock()
	h.conns[c] = hc
	h.mu.Unlock()
	return context.WithValue(ctx, httpConnKey{}, hc)
}

// track is the server's ConnState: a connection gives its place back when
// it closes; one that becomes a WebSocket hands it to its stream.
func (h *handler) track(c net.Conn, state http.ConnState) {
	if state != http.StateClosed && state != http.StateHijacked {
		return
	}
	h.mu.Lock()
	hc := h.conns[c]
	delete(h.conns, c)
	h.mu.Unlock()
	if hc == nil {
		return
	}
	hc.upgradeDeadline.Stop()
	if state == http.StateHijacked {
		hc.upgraded.Store(true)
		return
	}
	hc.release()
}
