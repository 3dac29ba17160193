package stream

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// resumeInput exercises every scanner state, so that each of them is cut by
// the one-byte reader.
var resumeInput = "<?xml version='1.0' encoding='UTF-8'?>\n" + testHeader +
	"<message to='juliet@example.com/balcony' from=\"romeo@example.net/orchard\" type='chat' id='a&amp;b&#x263A;' xml:lang='en'>" +
	"<body>Wherefore art thou, Romeo? &lt;3 &#128512; ]] ]>] 日本語 <![CDATA[<raw> & ]] ]>]]></body>" +
	"<active xmlns='http://jabber.org/protocol/chatstates'/><h:x h:a='1'><y/></h:x>" +
	"<p:q xmlns:p='urn:p' xmlns='urn:d'><p:r/><s  a = \"1\" /></p:q></message>\r\n \t" +
	"<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq> <presence/>" +
	"<message><body>" + strings.Repeat("x", 9000) + "</body></message></stream:stream>"

func TestResumable(t *testing.T) {
	wantHeader, want, wantErr := decodeAll(strings.NewReader(resumeInput), Limits{})
	if wantErr != io.EOF || len(want) != 4 {
		t.Fatalf("reading in one piece: %d elements, %v", len(want), wantErr)
	}
	readers := map[string]func() io.Reader{
		"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(resumeInput)) },
		"half":     func() io.Reader { return iotest.HalfReader(strings.NewReader(resumeInput)) },
		"data+err": func() io.Reader { return iotest.DataErrReader(strings.NewReader(resumeInput)) },
		"timeouts": func() io.Reader { return &flakyReader{r: iotest.OneByteReader(strings.NewReader(resumeInput))} },
		"odd sizes": func() io.Reader {
			return &sizedReader{r: strings.NewReader(resumeInput), sizes: []int{1, 7, 4095, 3, 4097, 2}}
		},
	}
	for name, mk := range readers {
		t.Run(name, func(t *testing.T) {
			h, got, err := decodeRetrying(mk())
			if err != io.EOF {
				t.Fatalf("got %v at the end, want io.EOF", err)
			}
			if h != wantHeader || !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\n%+v\nwant %+v\n%+v", h, got, wantHeader, want)
			}
		})
	}
}

// decodeRetrying is decodeAll that carries on after deadline errors, as a
// server does when it pings an idle client.
func decodeRetrying(r io.Reader) (Header, []summary, error) {
	d := NewDecoder(r, Limits{})
	var h Header
	var err error
	for h, err = d.ReadHeader(); errors.Is(err, os.ErrDeadlineExceeded); h, err = d.ReadHeader() {
	}
	if err != nil {
		return h, nil, err
	}
	var out []summary
	for {
		e, err := d.Next()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err != nil {
			return h, out, err
		}
		out = append(out, summarize(e))
	}
}

// flakyReader fails every other read with a deadline error, sometimes
// together with data.
type flakyReader struct {
	r io.Reader
	n int
}

func (f *flakyReader) Read(p []byte) (int, error) {
	f.n++
	switch f.n % 3 {
	case 0:
		return 0, fmt.Errorf("read tcp: %w", os.ErrDeadlineExceeded)
	case 1:
		n, err := f.r.Read(p)
		if err == nil {
			err = fmt.Errorf("read tcp: %w", os.ErrDeadlineExceeded)
		}
		return n, err
	}
	return f.r.Read(p)
}

// sizedReader returns reads of the given sizes in turn.
type sizedReader struct {
	r     io.Reader
	sizes []int
	n     int
}

func (s *sizedReader) Read(p []byte) (int, error) {
	size := s.sizes[s.n%len(s.sizes)]
	s.n++
	return s.r.Read(p[:min(len(p), size)])
}

// TestDeadlineIsReported checks that a read error reaches the caller
// wrapped, and that the stream goes on afterwards.
func TestDeadlineIsReported(t *testing.T) {
	r := &flakyReader{r: strings.NewReader(testHeader + "<presence/>")}
	r.n = 2 // the first read fails
	d := NewDecoder(r, Limits{})
	if _, err := d.ReadHeader(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
	if _, err := d.ReadHeader(); err != nil {
		t.Fatalf("retrying: %v", err)
	}
	if e, err := d.Next(); err != nil || e.Name.Local != "presence" {
		t.Fatalf("got %v, %v; want presence", e, err)
	}
}

// countingReader hands out data in one read, then counts further reads.
type countingReader struct {
	data  string
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	n := copy(p, c.data)
	c.data = c.data[n:]
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestNoReadWhenBuffered checks that pipelined elements come out of the
// buffer without touching the reader.
func TestNoReadWhenBuffered(t *testing.T) {
	r := &countingReader{data: testHeader + "<presence/><message/><iq/>"}
	d := NewDecoder(r, Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if r.reads != 1 {
		t.Fatalf("%d reads, want 1", r.reads)
	}
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	d := NewDecoder(stuckReader{}, Limits{})
	if _, err := d.ReadHeader(); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("got %v, want io.ErrNoProgress", err)
	}
}

// TestTrickledLargeStanza reads a big stanza one byte at a time; a scanner
// that rescanned from the element start on each read would take minutes.
func TestTrickledLargeStanza(t *testing.T) {
	value := strings.Repeat("v", 60000)
	text := strings.Repeat("t&amp;", 20000)
	in := testHeader + "<message id='" + value + "'><body>" + text + "</body></message>"
	_, got, err := decodeAll(iotest.OneByteReader(strings.NewReader(in)), Limits{})
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != 1 {
		t.Fatalf("got %d elements, %v", len(got), err)
	}
	if len(got[0].Raw) != len(in)-len(testHeader) {
		t.Fatalf("Raw has %d bytes, want %d", len(got[0].Raw), len(in)-len(testHeader))
	}
}
