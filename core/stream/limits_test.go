package stream

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// endless yields prefix and then fill forever, counting what it hands out.
type endless struct {
	prefix string
	fill   byte
	n      int
}

func (r *endless) Read(p []byte) (int, error) {
	n := copy(p, r.prefix)
	r.prefix = r.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = r.fill
	}
	r.n += len(p)
	return len(p), nil
}

func TestLimits(t *testing.T) {
	small := Limits{MaxStanzaBytes: 100, MaxDepth: 3, MaxAttrs: 3, MaxHeaderBytes: 200}
	const shortHeader = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
	tests := []struct {
		name string
		lim  Limits
		in   string
		cond string // "" for success
	}{
		{"stanza at the limit", small, shortHeader + "<message>" + strings.Repeat("a", 100-len("<message></message>")) + "</message>", ""},
		{"stanza over the limit", small, shortHeader + "<message>" + strings.Repeat("a", 101-len("<message></message>")) + "</message>", CondPolicyViolation},
		{"stanza over the limit in a start tag", small, shortHeader + "<message id='" + strings.Repeat("a", 100) + "'/>", CondPolicyViolation},
		{"keepalives do not count", small, shortHeader + strings.Repeat(" ", 500) + "<presence/>", ""},
		{"depth at the limit", small, shortHeader + "<a><b><c/></b></a>", ""},
		{"depth over the limit", small, shortHeader + "<a><b><c><d/></c></b></a>", CondPolicyViolation},
		{"attributes at the limit", small, shortHeader + "<a x='1' y='2' z='3'/>", ""},
		{"attributes over the limit", small, shortHeader + "<a x='1' y='2' z='3' w='4'/>", CondPolicyViolation},
		{"declarations count as attributes", small, shortHeader + "<a xmlns='urn:a' xmlns:b='urn:b' y='2' z='3'/>", CondPolicyViolation},
		{"header over the limit", small, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='" + strings.Repeat("a", 200) + "'>", CondPolicyViolation},
		{"declaration and header over the limit", small, "<?xml version='1.0'?>" + strings.Repeat(" ", 100) + shortHeader, CondPolicyViolation},
		{"header attributes over the limit", Limits{MaxAttrs: 2}, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' a='1' b='2'>", CondPolicyViolation},
		{"defaults allow a big stanza", Limits{}, testHeader + "<message>" + strings.Repeat("a", 200000) + "</message>", ""},
		{"default stanza limit", Limits{}, testHeader + "<message>" + strings.Repeat("a", DefaultMaxStanzaBytes) + "</message>", CondPolicyViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.HalfReader(strings.NewReader(tt.in))} {
				_, _, err := decodeAll(r, tt.lim)
				if err == io.EOF || condition(err) == "" && strings.Contains(err.Error(), "without </stream:stream>") {
					err = nil // the input ends without closing the stream
				}
				if got := condition(err); got != tt.cond || tt.cond == "" && err != nil {
					t.Errorf("%T: got %v, want condition %q", r, err, tt.cond)
				}
			}
		})
	}
}

// TestLimitStopsReading checks that an endless element is refused once it
// passes the limit, without reading far beyond it.
func TestLimitStopsReading(t *testing.T) {
	tests := []struct {
		name   string
		lim    Limits
		prefix string
		fill   byte
		limit  int
	}{
		{"text", Limits{MaxStanzaBytes: 10000}, testHeader + "<message><body>", 'a', 10000},
		{"attribute value", Limits{MaxStanzaBytes: 10000}, testHeader + "<message id='", 'a', 10000},
		{"default limit", Limits{}, testHeader + "<message><body>", 'a', DefaultMaxStanzaBytes},
		{"XML declaration", Limits{}, "<?xml version='", '1', DefaultMaxHeaderBytes},
		{"whitespace before header", Limits{}, "", ' ', DefaultMaxHeaderBytes},
		{"header", Limits{}, "<stream:stream id='", 'x', DefaultMaxHeaderBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &endless{prefix: tt.prefix, fill: tt.fill}
			_, _, err := decodeAll(r, tt.lim)
			if condition(err) != CondPolicyViolation {
				t.Fatalf("got %v, want policy-violation", err)
			}
			if max := len(tt.prefix) + tt.limit + busyBufferSize; r.n > max {
				t.Errorf("read %d bytes, want at most %d", r.n, max)
			}
		})
	}
}

// TestSetLimits raises the stanza limit mid-stream, as after authentication.
func TestSetLimits(t *testing.T) {
	big := "<message>" + strings.Repeat("a", 5000) + "</message>"
	d := NewDecoder(strings.NewReader(testHeader+big+big), Limits{MaxStanzaBytes: 10000})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err != nil {
		t.Fatalf("first stanza: %v", err)
	}
	d.SetLimits(Limits{MaxStanzaBytes: 1000})
	if _, err := d.Next(); condition(err) != CondPolicyViolation {
		t.Fatalf("second stanza after lowering the limit: got %v, want policy-violation", err)
	}
}

// TestBufferShrinks checks that a connection that once sent a big stanza
// does not keep a big buffer while it sends small ones.
func TestBufferShrinks(t *testing.T) {
	in := testHeader + "<message>" + strings.Repeat("a", 100000) + "</message>" + strings.Repeat("<presence/>", 20)
	d := NewDecoder(iotest.OneByteReader(strings.NewReader(in)), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	for range 21 {
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.buf) != idleBufferSize {
		t.Fatalf("buffer of %d bytes after small stanzas, want %d", len(d.buf), idleBufferSize)
	}
}

// TestBufferGrowsWhenBusy: a stream that has more waiting than the idle
// buffer holds reads in bigger chunks, and an idle one keeps the small
// buffer.
func TestBufferGrowsWhenBusy(t *testing.T) {
	in := testHeader + strings.Repeat("<message to='a@b'><body>hello there</body></message>", 200)
	d := NewDecoder(strings.NewReader(in), Limits{})
	if len(d.buf) != idleBufferSize {
		t.Fatalf("new decoder's buffer %d bytes, want %d", len(d.buf), idleBufferSize)
	}
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.buf) != busyBufferSize {
		t.Fatalf("buffer of %d bytes while the input kept it full, want %d", len(d.buf), busyBufferSize)
	}
}
