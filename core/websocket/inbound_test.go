package websocket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	ws "github.com/coder/websocket"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// script plays a client's messages to inbound, each read through wrap.
type script struct {
	msgs [][]byte
	wrap func(io.Reader) io.Reader
}

func (s *script) Reader(context.Context) (ws.MessageType, io.Reader, error) {
	if len(s.msgs) == 0 {
		return 0, nil, io.EOF
	}
	m := s.msgs[0]
	s.msgs = s.msgs[1:]
	var r io.Reader = bytes.NewReader(m)
	if s.wrap != nil {
		r = s.wrap(r)
	}
	return ws.MessageText, r, nil
}

// readAll reads in through a buffer of bufSize bytes until an error.
func readAll(in *inbound, bufSize int) ([]byte, error) {
	var out []byte
	buf := make([]byte, bufSize)
	for {
		n, err := in.read(context.Background(), buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
	}
}

const openMsg = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0' xml:lang='en'/>"

func TestInboundTranslatesFramingAndPassesStanzas(t *testing.T) {
	long := "<message><body>" + strings.Repeat("z", 3*maxFramingBytes) + "</body></message>"
	in := newInbound(&script{msgs: [][]byte{
		[]byte(openMsg), []byte("  "), []byte(long), []byte("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"),
	}, wrap: iotest.HalfReader}, newHeadPool())
	got, err := readAll(in, 1000)
	if err != io.EOF {
		t.Fatalf("read ended with %v", err)
	}
	d := stream.NewDecoder(bytes.NewReader(got), stream.Limits{})
	h, err := d.ReadHeader()
	if err != nil || h.To != "localhost" || h.Version != "1.0" || h.Lang != "en" {
		t.Fatalf("<open/> read as header %+v, %v", h, err)
	}
	el, err := d.Next()
	if err != nil || string(el.Raw) != long {
		t.Fatalf("the long stanza did not pass through whole: %v", err)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("<close/> did not end the stream: %v", err)
	}
}

// TestInboundRefusesLongMessagesAsTheyArrive: a message longer than the
// limit in force is refused with policy-violation on the byte that passes
// the limit, whatever it holds (whitespace too), and a new limit applies
// from the next message.
func TestInboundRefusesLongMessagesAsTheyArrive(t *testing.T) {
	const limit = 100
	exact := "<r>" + strings.Repeat("a", limit-7) + "</r>"
	for _, tc := range []struct {
		name string
		msg  string
	}{
		{"stanza", "<message><body>" + strings.Repeat("a", 10*limit) + "</body></message>"},
		{"whitespace after a small stanza", "<r/>" + strings.Repeat(" ", 10*limit)},
		{"just over", exact + " "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counted := &countingReader{}
			in := newInbound(&script{msgs: [][]byte{[]byte(exact), []byte(tc.msg)}, wrap: counted.wrap}, newHeadPool())
			in.setLimit(limit)
			got, err := readAll(in, 7)
			if !errors.Is(err, stream.NewError(stream.CondPolicyViolation, "")) {
				t.Fatalf("read ended with %v, want policy-violation", err)
			}
			if !bytes.HasPrefix(got, []byte(exact)) || len(got) > 2*limit {
				t.Fatalf("passed on %d bytes: %q", len(got), got)
			}
			if counted.n > 2*limit+1 {
				t.Fatalf("read %d bytes of the messages, want no more than the limit past the first", counted.n)
			}
		})
	}
	in := newInbound(&script{msgs: [][]byte{[]byte(exact), []byte(exact + exact)}}, newHeadPool())
	in.setLimit(limit)
	if _, err := in.read(context.Background(), make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	in.setLimit(2 * limit)
	if got, err := readAll(in, 1000); err != io.EOF || string(got) != exact+exact {
		t.Fatalf("after raising the limit: %q, %v", got, err)
	}
}

type countingReader struct{ n int }

func (c *countingReader) wrap(r io.Reader) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		c.n += n
		return n, err
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
