package stream

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// syntheticHeader opens a stream in which a standalone element is parsed as
// if it had arrived on a client stream.
const syntheticHeader = "<stream:stream xmlns='" + NSClient + "' xmlns:stream='" + NSStream + "' version='1.0'>"

// ParseElement parses one standalone element — a stanza a plugin produced,
// say — with the same checks as a client's stream, the default namespace
// being jabber:client. The result does not alias b.
func ParseElement(b []byte, lim Limits) (*Element, error) {
	d := NewDecoder(io.MultiReader(strings.NewReader(syntheticHeader), bytes.NewReader(b), strings.NewReader("</stream:stream>")), lim)
	if _, err := d.ReadHeader(); err != nil {
		return nil, fmt.Errorf("parsing element: %w", err)
	}
	el, err := d.Next()
	if err != nil {
		return nil, fmt.Errorf("parsing element: %w", err)
	}
	el = el.Copy()
	if _, err := d.Next(); err != io.EOF {
		return nil, fmt.Errorf("parsing element: more than one element")
	}
	return el, nil
}
