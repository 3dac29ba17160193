package stream

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

const testHeader = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'" +
	" xmlns:h='urn:example:header' to='example.com' version='1.0' xml:lang='en'>"

// summary is what a user of an Element can observe, in comparable form.
type summary struct {
	Name, Child Name
	Children    int
	Raw         string
	Text        string
	Inner       string
	Lang        string
	Attrs       string // name=value pairs of the unprefixed attributes
	Inherit     string
}

func summarize(e *Element) summary {
	var attrs, inherit strings.Builder
	for i := range e.attrs {
		a := &e.attrs[i]
		if a.colon >= 0 {
			continue
		}
		name := string(e.Raw[a.nameOff : a.nameOff+a.nameLen])
		fmt.Fprintf(&attrs, "%s=%q ", name, e.Attr(name))
	}
	for _, ns := range e.inherit {
		fmt.Fprintf(&inherit, "%s=%s ", ns.prefix, ns.uri)
	}
	return summary{
		Name: e.Name, Child: e.Child, Children: e.Children,
		Raw: string(e.Raw), Text: e.Text(), Inner: string(e.Inner()), Lang: e.Lang(),
		Attrs: attrs.String(), Inherit: inherit.String(),
	}
}

// decodeAll reads a header and then elements until an error, which it
// returns (io.EOF for a closed stream).
func decodeAll(r io.Reader, lim Limits) (Header, []summary, error) {
	d := NewDecoder(r, lim)
	h, err := d.ReadHeader()
	if err != nil {
		return h, nil, err
	}
	var out []summary
	for {
		e, err := d.Next()
		if err != nil {
			return h, out, err
		}
		out = append(out, summarize(e))
	}
}

// condition is the stream error condition of err, "" if it is not one.
func condition(err error) string {
	var serr *Error
	if errors.As(err, &serr) {
		return serr.Condition
	}
	return ""
}

// decodeOne parses a single element that follows header.
func decodeOne(t testing.TB, header, element string) *Element {
	t.Helper()
	d := NewDecoder(strings.NewReader(header+element), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatalf("reading header: %v", err)
	}
	e, err := d.Next()
	if err != nil {
		t.Fatalf("parsing %q: %v", element, err)
	}
	return e
}
