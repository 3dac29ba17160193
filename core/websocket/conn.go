package websocket

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ws "github.com/coder/websocket"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// frameConn turns a WebSocket carrying RFC 7395 framing into the byte
// stream the c2s code reads and writes: incoming messages through inbound,
// outgoing bytes cut into one message per top-level element, each made to
// stand alone.
type frameConn struct {
	ws            *ws.Conn
	raw           net.Conn // the connection under the WebSocket
	closeTimeout  time.Duration
	local, remote net.Addr
	in            *inbound
	readDeadline  deadline
	writeDeadline atomic.Int64 // unix nanoseconds, 0 for none
	out           *io.PipeWriter
	framerDone    chan struct{}
	closeOnce     sync.Once
}

func newFrameConn(c *ws.Conn, raw net.Conn, heads *headPool, closeTimeout time.Duration, local, remote net.Addr) *frameConn {
	pr, pw := io.Pipe()
	fc := &frameConn{ws: c, raw: raw, closeTimeout: closeTimeout, local: local, remote: remote, in: newInbound(c, heads), out: pw, framerDone: make(chan struct{})}
	go fc.frame(pr)
	return fc
}

func deadlineCtx(d int64) (context.Context, context.CancelFunc) {
	if d == 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithDeadline(context.Background(), time.Unix(0, d))
}

// Read returns the client's stream as its messages arrive.
func (c *frameConn) Read(p []byte) (int, error) {
	ctx := c.readDeadline.context()
	n, err := c.in.read(ctx, p)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return n, os.ErrDeadlineExceeded
	case ws.CloseStatus(err) != -1:
		return n, io.ErrUnexpectedEOF // closed without <close/>
	}
	return n, err
}

// SetMessageLimit bounds the client's messages by the stanza limit in
// force (c2s calls it when the limit changes).
func (c *frameConn) SetMessageLimit(maxBytes int) { c.in.setLimit(maxBytes) }

// Write feeds the framer; it returns once the framer has taken the bytes.
func (c *frameConn) Write(b []byte) (int, error) { return c.out.Write(b) }

// frame reads the server's output as a stream and sends every top-level
// element as a message of its own.
func (c *frameConn) frame(pr *io.PipeReader) {
	defer close(c.framerDone)
	header := "<stream:stream xmlns='" + stream.NSClient + "' xmlns:stream='" + stream.NSStream + "'>"
	dec := stream.NewDecoder(io.MultiReader(strings.NewReader(header), pr), stream.Limits{MaxStanzaBytes: 16 << 20, MaxDepth: 1 << 10, MaxAttrs: 1 << 10})
	if _, err := dec.ReadHeader(); err != nil {
		pr.CloseWithError(err)
		return
	}
	for {
		el, err := dec.Next()
		if err != nil {
			pr.CloseWithError(err)
			return
		}
		ctx, cancel := deadlineCtx(c.writeDeadline.Load())
		err = c.ws.Write(ctx, ws.MessageText, standalone(el))
		cancel()
		if err != nil {
			pr.CloseWithError(err)
			return
		}
	}
}

// standalone declares on an element the namespaces it inherits from the
// stream header, which a WebSocket message does not have.
func standalone(el *stream.Element) []byte {
	raw := el.Raw
	var decl string
	switch {
	case el.Name.Space == stream.NSClient && !el.HasAttr("xmlns") && raw[1] != '/' && !bytes.Contains(nameOf(raw), []byte(":")):
		decl = " xmlns='" + stream.NSClient + "'"
	case el.Name.Space == stream.NSStream:
		decl = " xmlns:stream='" + stream.NSStream + "'"
	default:
		return raw
	}
	n := 1 + len(nameOf(raw))
	out := make([]byte, 0, len(raw)+len(decl))
	out = append(out, raw[:n]...)
	out = append(out, decl...)
	return append(out, raw[n:]...)
}

// nameOf returns the qualified name of the start tag at the beginning of b.
func nameOf(b []byte) []byte {
	end := bytes.IndexAny(b[1:], " \t\r\n/>")
	if end < 0 {
		return b[1:]
	}
	return b[1 : 1+end]
}

func (c *frameConn) Close() error {
	c.closeOnce.Do(func() {
		c.out.Close()
		select {
		case <-c.framerDone:
		case <-time.After(5 * time.Second):
		}
		// The closing handshake reads on until the client's close frame,
		// through the rest of any message it is still sending: a client
		// that sends on slowly, or withholds the end of a message, would
		// hold the connection for ever.
		cut := time.AfterFunc(c.closeTimeout, func() { c.raw.Close() })
		defer cut.Stop()
		c.ws.Close(ws.StatusNormalClosure, "")
	})
	return nil
}

func (c *frameConn) LocalAddr() net.Addr  { return c.local }
func (c *frameConn) RemoteAddr() net.Addr { return c.remote }

func (c *frameConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *frameConn) SetReadDeadline(t time.Time) error {
	c.readDeadline.set(t)
	return nil
}

func (c *frameConn) SetWriteDeadline(t time.Time) error {
	c.writeDeadline.Store(unixNano(t))
	return nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
