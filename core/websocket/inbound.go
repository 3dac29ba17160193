package websocket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	ws "github.com/coder/websocket"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// messages is where client messages come from: a *ws.Conn, or a list in
// the fuzz test.
type messages interface {
	Reader(ctx context.Context) (ws.MessageType, io.Reader, error)
}

// maxFramingBytes bounds an <open/> or <close/> element as the stream
// header is bounded over TCP; a longer message is never one of them.
const maxFramingBytes = stream.DefaultMaxHeaderBytes

// inbound turns the client's messages into the stream the c2s code reads:
// an <open/> becomes a stream header and <close/> its end tag, and
// stanzas pass through as they arrive. Nothing is buffered beyond the
// start of a message, so the c2s reader's stanza limit holds while
// reading; a message longer than the limit in force is refused on the
// byte that passes it, whatever it holds.
type inbound struct {
	src   messages
	heads *headPool
	limit atomic.Int64 // bytes in one message

	msg      io.Reader // the rest of the message being read; nil between messages
	msgBytes int64     // read from it so far
	// head holds the start of a message, to tell framing from stanzas,
	// until it has been read; an idle stream holds none.
	head    *[maxFramingBytes]byte
	pending []byte // translated input not yet returned
}

// headPool lends inbound the buffers for the starts of messages.
type headPool struct{ sync.Pool }

func newHeadPool() *headPool {
	return &headPool{sync.Pool{New: func() any { return new([maxFramingBytes]byte) }}}
}

func newInbound(src messages, heads *headPool) *inbound {
	in := &inbound{src: src, heads: heads}
	in.setLimit(0)
	return in
}

// setLimit bounds the messages read from now on; 0 is the stream
// package's default stanza limit.
func (in *inbound) setLimit(n int) {
	if n <= 0 {
		n = stream.DefaultMaxStanzaBytes
	}
	in.limit.Store(int64(n))
}

func (in *inbound) read(ctx context.Context, p []byte) (int, error) {
	for len(in.pending) == 0 {
		if in.msg == nil {
			if err := in.start(ctx); err != nil {
				return 0, err
			}
			continue
		}
		n, err := in.readBody(p)
		if n > 0 || err != nil {
			return n, err
		}
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	if len(in.pending) == 0 && in.head != nil {
		in.heads.Put(in.head)
		in.head, in.pending = nil, nil
	}
	return n, nil
}

// start reads the beginning of the next message: a short one whole, to
// translate framing elements; of a longer one, the first bytes.
func (in *inbound) start(ctx context.Context) error {
	typ, r, err := in.src.Reader(ctx)
	if err != nil {
		return err
	}
	if typ != ws.MessageText {
		return errors.New("binary WebSocket message: RFC 7395 allows text only")
	}
	in.head = in.heads.Get().(*[maxFramingBytes]byte)
	in.msg = r
	n, err := io.ReadFull(r, in.head[:min(maxFramingBytes, in.limit.Load()+1)])
	in.msgBytes = int64(n)
	if err := in.checkSize(); err != nil {
		return err
	}
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		in.msg = nil
		in.pending = translateIn(in.head[:n])
	case err != nil:
		return err
	default:
		in.pending = in.head[:n]
	}
	return nil
}

// readBody passes on the rest of a long message. It returns 0 and no
// error at the end of the message.
func (in *inbound) readBody(p []byte) (int, error) {
	// One byte past the limit is enough to refuse the message.
	if room := in.limit.Load() - in.msgBytes + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := in.msg.Read(p)
	in.msgBytes += int64(n)
	if err := in.checkSize(); err != nil {
		return 0, err
	}
	if errors.Is(err, io.EOF) {
		in.msg = nil
		return n, nil
	}
	return n, err
}

func (in *inbound) checkSize() error {
	if in.msgBytes > in.limit.Load() {
		return stream.NewError(stream.CondPolicyViolation, "WebSocket message over the stanza size limit")
	}
	return nil
}

// translateIn maps one whole client message onto the stream the c2s code
// reads.
func translateIn(msg []byte) []byte {
	trimmed := bytes.TrimSpace(msg)
	switch {
	case len(trimmed) == 0:
		return []byte(" ") // a keepalive
	case isFraming(trimmed, "open"):
		el, err := stream.ParseElement(trimmed, stream.Limits{MaxStanzaBytes: maxFramingBytes})
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
