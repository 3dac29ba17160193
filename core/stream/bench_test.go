package stream

import (
	"testing"
)

// typicalMessage is a chat message as a current client sends it.
const typicalMessage = "<message type='chat' to='juliet@capulet.example/balcony' id='ktx72v49' xml:lang='en'>" +
	"<body>Art thou not Romeo, and a Montague? Neither, fair saint, if either thee dislike.</body>" +
	"<active xmlns='http://jabber.org/protocol/chatstates'/><request xmlns='urn:xmpp:receipts'/>" +
	"<origin-id xmlns='urn:xmpp:sid:0' id='de305d54-75b4-431b-adb2-eb6b9e546014'/>" +
	"<markable xmlns='urn:xmpp:chat-markers:0'/></message>"

// repeatReader yields a header and then the same stanza forever.
type repeatReader struct {
	head  string
	chunk []byte
	off   int
}

func newRepeatReader(head, stanza string) *repeatReader {
	var chunk []byte
	for len(chunk) < 64<<10 {
		chunk = append(chunk, stanza...)
	}
	return &repeatReader{head: head, chunk: chunk}
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.head != "" {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	n := copy(p, r.chunk[r.off:])
	r.off = (r.off + n) % len(r.chunk)
	return n, nil
}

func BenchmarkNext(b *testing.B) {
	d := NewDecoder(newRepeatReader(testHeader, typicalMessage), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(typicalMessage)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendWithFrom(b *testing.B) {
	e := decodeOne(b, testHeader, typicalMessage)
	dst := make([]byte, 0, 1024)
	b.SetBytes(int64(len(typicalMessage)))
	b.ReportAllocs()
	for b.Loop() {
		dst = e.AppendWithFrom(dst[:0], "romeo@montague.example/orchard")
	}
}

// TestNextDoesNotAllocate holds Next to its steady-state promise.
func TestNextDoesNotAllocate(t *testing.T) {
	d := NewDecoder(newRepeatReader(testHeader, typicalMessage+"<h:x a='&amp;'><y/></h:x> <iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	next := func() {
		e, err := d.Next()
		if err != nil || e.Name.Local == "" {
			t.Fatalf("got %v, %v", e, err)
		}
	}
	for range 100 {
		next() // warm up the buffers and names
	}
	if n := testing.AllocsPerRun(1000, next); n != 0 {
		t.Fatalf("Next allocates %v times per call", n)
	}
}
