package websocket

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// FuzzFraming feeds arbitrary client messages (split at 0xff, a byte
// UTF-8 never uses) through the RFC 7395 framing with an arbitrary limit
// and read size. It must not panic; it must pass on exactly what the
// messages say (framing elements translated, stanzas as they are) up to
// the first message over the limit, and refuse that one with
// policy-violation; and every <open/> it translates must read back as a
// stream header with the same attributes.
func FuzzFraming(f *testing.F) {
	f.Add([]byte(openMsg+"\xff<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>\xff \xff<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"), uint16(1024), uint8(7))
	f.Add([]byte("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='a&amp;b' from=\"x'y\" id='1' version='1.0'/>"), uint16(200), uint8(1))
	f.Add([]byte("<open/>\xff<close/>\xff<message><body>hi</body></message>"), uint16(40), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16, bufSize uint8) {
		msgs := bytes.Split(data, []byte{0xff})
		lim := int(limit)%(3*maxFramingBytes) + 1
		want, wantRefused := expected(msgs, lim)
		in := newInbound(&script{msgs: msgs, wrap: iotest.HalfReader}, newHeadPool())
		in.setLimit(lim)
		got, err := readAll(in, int(bufSize)+1)
		refused := errors.Is(err, stream.NewError(stream.CondPolicyViolation, ""))
		if !refused && err != io.EOF {
			t.Fatalf("read ended with %v", err)
		}
		if refused != wantRefused || !bytes.Equal(got, want) {
			t.Fatalf("limit %d: got %q refused=%v, want %q refused=%v", lim, got, refused, want, wantRefused)
		}
		for _, m := range msgs {
			checkOpen(t, m)
		}
	})
}

// expected is what inbound must return for msgs under limit: a message
// shorter than the part read whole is translated, a longer one passes as
// it is, and one over the limit ends it all.
func expected(msgs [][]byte, limit int) (out []byte, refused bool) {
	whole := min(maxFramingBytes, limit+1)
	for _, m := range msgs {
		switch {
		case len(m) > limit:
			return out, true
		case len(m) < whole:
			out = append(out, translateIn(m)...)
		default:
			out = append(out, m...)
		}
	}
	return out, false
}

// checkOpen: an <open/> that translateIn turns into a stream header must
// read back as one, with the element's attributes.
func checkOpen(t *testing.T, m []byte) {
	h := translateIn(m)
	if !bytes.HasPrefix(h, []byte("<stream:stream ")) {
		return
	}
	el, err := stream.ParseElement(bytes.TrimSpace(m), stream.Limits{MaxStanzaBytes: maxFramingBytes})
	if err != nil {
		t.Fatalf("%q translated though it does not parse: %v", m, err)
	}
	got, err := stream.NewDecoder(bytes.NewReader(h), stream.Limits{}).ReadHeader()
	if err != nil {
		t.Fatalf("<open/> %q translated to %q, which does not read as a header: %v", m, h, err)
	}
	if got.To != el.Attr("to") || got.From != el.Attr("from") || got.ID != el.Attr("id") || got.Version != el.Attr("version") || got.Lang != el.Lang() {
		t.Fatalf("<open/> %q read back as %+v", m, got)
	}
}
