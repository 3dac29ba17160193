package stream

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

var fuzzLimits = Limits{MaxStanzaBytes: 2048, MaxDepth: 16, MaxAttrs: 16}

// FuzzDecoder feeds arbitrary bytes after a valid header. The decoder must
// not panic, must give the same result however the input is split, must
// never return an element over the limit, and every element it returns must
// read back the same on its own and after AppendWithFrom.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(typicalMessage))
	f.Add([]byte(resumeInput[len("<?xml version='1.0' encoding='UTF-8'?>\n")+len(testHeader):]))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := testHeader + string(data)
		whole, wholeErr := fuzzDecode(t, strings.NewReader(in))
		trickled, trickledErr := fuzzDecode(t, iotest.OneByteReader(strings.NewReader(in)))
		if !reflect.DeepEqual(whole, trickled) || errText(wholeErr) != errText(trickledErr) {
			t.Fatalf("split reads differ:\n%+v %v\n%+v %v", whole, wholeErr, trickled, trickledErr)
		}
	})
}

func fuzzDecode(t *testing.T, r io.Reader) ([]summary, error) {
	d := NewDecoder(r, fuzzLimits)
	if _, err := d.ReadHeader(); err != nil {
		t.Fatalf("reading the fixed header: %v", err)
	}
	var out []summary
	for {
		e, err := d.Next()
		if err != nil {
			return out, err
		}
		if len(e.Raw) > fuzzLimits.MaxStanzaBytes {
			t.Fatalf("element of %d bytes over the limit", len(e.Raw))
		}
		s := summarize(e)
		checkReparse(t, e, s)
		out = append(out, s)
	}
}

func checkReparse(t *testing.T, e *Element, want summary) {
	_, again, err := decodeAll(strings.NewReader(testHeader+want.Raw), fuzzLimits)
	if len(again) != 1 || again[0] != want {
		t.Fatalf("%q read back as %+v, %v; want %+v", want.Raw, again, err, want)
	}
	const from = "fuzz@example.com/r"
	out := string(e.AppendWithFrom(nil, from))
	_, stamped, err := decodeAll(strings.NewReader(clientHeader+out), Limits{})
	if len(stamped) != 1 {
		t.Fatalf("%q stamped as %q does not read back: %v", want.Raw, out, err)
	}
	s := stamped[0]
	if s.Name != want.Name || s.Child != want.Child || s.Children != want.Children || s.Text != want.Text {
		t.Fatalf("%q stamped as %q reads back as %+v", want.Raw, out, s)
	}
	if got := decodeOneQuiet(clientHeader, out).Attr("from"); got != from {
		t.Fatalf("%q stamped as %q has from %q", want.Raw, out, got)
	}
	if root, err := e.DOM(); err == nil && root.Tag != e.Name.Local {
		t.Fatalf("DOM of %q has tag %q", want.Raw, root.Tag)
	}
}

func decodeOneQuiet(header, element string) *Element {
	d := NewDecoder(strings.NewReader(header+element), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		return &Element{}
	}
	e, err := d.Next()
	if err != nil {
		return &Element{}
	}
	return e
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
