package websocket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ws "github.com/coder/websocket"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// frameConn turns a WebSocket carrying RFC 7395 framing into the byte
// stream the c2s code reads and writes: an incoming <open/> becomes a
// stream header and <close/> its end tag; outgoing bytes are cut into one
// message per top-level element, each made to stand alone.
type frameConn struct {
	ws            *ws.Conn
	local, remote net.Addr
	readDeadline  atomic.Int64 // unix nanoseconds, 0 for none
	writeDeadline atomic.Int64
	pending       []byte // input already translated, not yet read
	out           *io.PipeWriter
	framerDone    chan struct{}
	closeOnce     sync.Once
}

func newFrameConn(c *ws.Conn, local, remote net.Addr) *frameConn {
	pr, pw := io.Pipe()
	fc := &frameConn{ws: c, local: local, remote: remote, out: pw, framerDone: make(chan struct{})}
	go fc.frame(pr)
	return fc
}

func deadlineCtx(d int64) (context.Context, context.CancelFunc) {
	if d == 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithDeadline(context.Background(), time.Unix(0, d))
}

// Read returns the client's stream, one translated message at a time.
func (c *frameConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		ctx, cancel := deadlineCtx(c.readDeadline.Load())
		typ, msg, err := c.ws.Read(ctx)
		timedOut := ctx.Err() == context.DeadlineExceeded
		cancel()
		if timedOut {
			return 0, os.ErrDeadlineExceeded
		}
		if err != nil {
			if ws.CloseStatus(err) != -1 {
				return 0, io.ErrUnexpectedEOF // closed without <close/>
			}
			return 0, err
		}
		if typ != ws.MessageText {
			return 0, errors.New("binary WebSocket message: RFC 7395 allows text only")
		}
		c.pending = translateIn(msg)
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// translateIn maps one client message onto the stream the c2s code reads.
func translateIn(msg []byte) []byte {
	trimmed := bytes.TrimSpace(msg)
	switch {
	case len(trimmed) == 0:
		return []byte(" ") // a keepalive
	case isFraming(trimmed, "open"):
		el, err := stream.ParseElement(trimmed, stream.Limits{MaxStanzaBytes: 4096})
		if err != nil {
			return trimmed // the c2s reader reports the error
		}
		h := "<stream:stream xmlns='" + stream.NSClient + "' xmlns:stream='" + stream.NSStream + "'"
		for _, a := range []string{"to", "from", "version", "id"} {
			if v := el.Attr(a); v != "" {
				h += " " + a + "='" + string(stream.AppendEscapedAttr(nil, v)) + "'"
			}
		}
		if l := el.Lang(); l != "" {
			h += " xml:lang='" + string(stream.AppendEscapedAttr(nil, l)) + "'"
		}
		return []byte(h + ">")
	case isFraming(trimmed, "close"):
		return []byte(stream.Close)
	}
	return msg
}

func isFraming(b []byte, name string) bool {
	return bytes.HasPrefix(b, []byte("<"+name)) && bytes.Contains(b, []byte(c2s.NSFraming))
}

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
	c.readDeadline.Store(unixNano(t))
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
