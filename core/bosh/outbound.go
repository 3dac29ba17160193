package bosh

import (
	"errors"
	"fmt"
	"sync"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// outbound reads what c2s writes to a session as a stream of elements:
// stanzas and nonzas for the client, made to stand alone in a <body/>,
// and the framing (c2s.BOSHFraming) that opens and ends streams.
type outbound struct {
	s *session

	mu   sync.Mutex // one write at a time
	feed feedReader
	dec  *stream.Decoder
}

// output is what one write of c2s's held.
type output struct {
	data      []byte // standalone elements for the client
	authid    string // of a stream c2s opened
	streamErr []byte // a stream error, standalone
	errCond   string // its condition
	end       bool   // c2s closed the stream
	// saslSuccess: the client authenticated, and may restart the stream.
	saslSuccess bool
}

func newOutbound(s *session) *outbound {
	o := &outbound{s: s}
	o.feed.b = []byte("<stream:stream xmlns='" + stream.NSClient + "' xmlns:stream='" + stream.NSStream + "'>")
	// What c2s writes is trusted; the limits only keep the parser sane.
	o.dec = stream.NewDecoder(&o.feed, stream.Limits{MaxStanzaBytes: 16 << 20, MaxDepth: 1 << 10, MaxAttrs: 1 << 10})
	// A well-formed header of our own cannot fail; if it did, the first
	// write would report it.
	o.dec.ReadHeader()
	return o
}

// feedReader hands the decoder one write's bytes, then says it starves.
type feedReader struct{ b []byte }

var errStarved = errors.New("no more output for now")

func (f *feedReader) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, errStarved
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// write parses b into elements and hands them to the session; an element
// cut at the end of b is completed by the next write.
func (o *outbound) write(b []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.feed.b = b
	var out output
	for {
		el, err := o.dec.Next()
		if errors.Is(err, errStarved) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the server's output: %w", err)
		}
		switch el.Name {
		case stream.Name{Space: c2s.NSFraming, Local: "open"}:
			out.authid = el.Attr("id")
		case stream.Name{Space: c2s.NSFraming, Local: "close"}:
			out.end = true
		case stream.Name{Space: stream.NSStream, Local: "error"}:
			out.streamErr = el.AppendStandalone(nil)
			out.errCond = el.Child.Local
		case stream.Name{Space: stream.NSSASL, Local: "success"}:
			out.saslSuccess = true
			out.data = el.AppendStandalone(out.data)
		default:
			out.data = el.AppendStandalone(out.data)
		}
	}
	return o.s.deliver(out)
}

// closed tells the session that c2s is done with it.
func (o *outbound) closed() { o.s.connClosed() }
