// Package wire holds the conversions between the wire contract
// (sdk/proto/pluginv1) and the Go types that sdk, sdktest and the plugin
// server share: stanza bytes and *etree.Element, gRPC statuses and
// *stanza.Error. Nothing here knows the sdk package's own types; those
// convert in sdk, which this package cannot import without a cycle.
package wire

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"
)

// ParseStanza reads one stanza. The jabber:client default namespace is
// implied on the wire, so an element without xmlns is a client stanza.
//
// It builds the tree etree's own reader would (the same elements,
// attributes, text and whitespace flags, prefixes kept as written;
// FuzzParseStanzaMatchesEtree holds it to that), but lets encoding/xml read
// the bytes directly: etree hands the decoder a reader without ReadByte,
// for which the decoder allocates a 4 KiB buffer, and every stanza a
// plugin handled cost that much garbage.
func ParseStanza(b []byte) (*etree.Element, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil } // as etree: bytes pass through
	var root *etree.Element
	var stack []*etree.Element
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parsing stanza: %w", err)
		}
		var top *etree.Element
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxStanzaDepth {
				return nil, errors.New("parsing stanza: elements nested too deep")
			}
			var el *etree.Element
			if top != nil {
				el = top.CreateElement("x")
			} else {
				el = etree.NewElement("x")
				if root == nil {
					root = el
				}
			}
			// Names are set as the decoder split them, not split again
			// from a string (a name like ":" splits differently).
			el.Space, el.Tag = t.Name.Space, t.Name.Local
			addAttrs(el, t.Attr)
			stack = append(stack, el)
		case xml.EndElement:
			if top == nil || top.Space != t.Name.Space || top.Tag != t.Name.Local {
				return nil, fmt.Errorf("parsing stanza: unexpected </%s>", qualified(t.Name))
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if top != nil {
				top.CreateText("").SetData(string(t)) // SetData flags whitespace as etree's reader does
			}
		case xml.Comment:
			if top != nil {
				top.CreateComment(string(t))
			}
		case xml.Directive:
			if top != nil {
				top.CreateDirective(string(t))
			}
		case xml.ProcInst:
			if top != nil {
				top.CreateProcInst(t.Target, string(t.Inst))
			}
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("parsing stanza: <%s> is not closed", stack[len(stack)-1].FullTag())
	}
	if root == nil {
		return nil, errors.New("parsing stanza: no element")
	}
	return root, nil
}

// maxStanzaDepth is etree's own bound on nesting; the core's stream
// limits keep stanzas far shallower.
const maxStanzaDepth = 1024

// addAttrs gives el the attributes of its start tag; a name given twice
// keeps its place and takes the later value, as etree's reader does.
func addAttrs(el *etree.Element, attrs []xml.Attr) {
next:
	for _, a := range attrs {
		for i := range el.Attr {
			if el.Attr[i].Space == a.Name.Space && el.Attr[i].Key == a.Name.Local {
				el.Attr[i].Value = a.Value
				continue next
			}
		}
		// CreateAttr binds the attribute to el, which its NamespaceURI
		// needs; "\x00" is no XML name, so it matches no attribute.
		attr := el.CreateAttr("\x00", a.Value)
		attr.Space, attr.Key = a.Name.Space, a.Name.Local
	}
}

// qualified is a raw name as written: "prefix:local", or "local".
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// MarshalStanza serializes el without touching it (etree's Document.SetRoot
// would detach el from its parent).
func MarshalStanza(el *etree.Element) ([]byte, error) {
	if el == nil {
		return nil, errors.New("serializing stanza: nil element")
	}
	var buf bytes.Buffer
	el.WriteTo(&buf, &etree.WriteSettings{})
	return buf.Bytes(), nil
}
