package stream

import (
	"bytes"
	"slices"
)

// Element is one complete top-level element of the stream, as received. One
// returned by Next is valid only until the next call to Next, ReadHeader or
// Reset; Copy keeps it longer.
type Element struct {
	Name     Name   // resolved (e.g. {"jabber:client","message"}, {NSSASL,"auth"})
	Raw      []byte // the whole element, exactly as received
	Child    Name   // resolved name of the first child element; zero Name if none
	Children int    // number of direct child elements

	attrs    []attrSpan
	inherit  []nsDecl // bindings used by the element but declared only on the stream header
	nameLen  int      // qualified name, at Raw[1:1+nameLen]
	startEnd int      // just after the start tag's '>'
	endOff   int      // the end tag's '<'; startEnd if self-closing
	self     bool
}

func (e *Element) reset() {
	*e = Element{attrs: e.attrs[:0], inherit: e.inherit[:0]}
}

func (e *Element) inheritNS(prefix, uri string) {
	for _, x := range e.inherit {
		if x.prefix == prefix {
			return
		}
	}
	e.inherit = append(e.inherit, nsDecl{prefix: prefix, uri: uri})
}

// attr finds the unprefixed attribute local.
func (e *Element) attr(local string) *attrSpan {
	for i := range e.attrs {
		a := &e.attrs[i]
		if a.colon < 0 && a.nameLen == len(local) && string(e.Raw[a.nameOff:a.nameOff+a.nameLen]) == local {
			return a
		}
	}
	return nil
}

func (e *Element) value(a *attrSpan) []byte {
	v := e.Raw[a.valOff : a.valOff+a.valLen : a.valOff+a.valLen]
	if !a.amp {
		return v
	}
	return appendUnescaped(nil, v, true)
}

// Attr returns the unescaped value of the unprefixed attribute local, "" if
// absent.
func (e *Element) Attr(local string) string {
	a := e.attr(local)
	if a == nil {
		return ""
	}
	return string(e.value(a))
}

// AttrBytes is Attr without the string: the value aliases Raw unless it
// holds references, and is nil if the attribute is absent.
func (e *Element) AttrBytes(local string) []byte {
	a := e.attr(local)
	if a == nil {
		return nil
	}
	return e.value(a)
}

// HasAttr reports whether the unprefixed attribute local is present.
func (e *Element) HasAttr(local string) bool {
	return e.attr(local) != nil
}

// Lang returns xml:lang on the element itself, "" if absent.
func (e *Element) Lang() string {
	for i := range e.attrs {
		a := &e.attrs[i]
		if string(e.Raw[a.nameOff:a.nameOff+a.nameLen]) == "xml:lang" {
			return string(e.value(a))
		}
	}
	return ""
}

// Inner returns the raw bytes between the start tag and the end tag; nil if
// the element is self-closing.
func (e *Element) Inner() []byte {
	if e.self || e.startEnd == 0 || e.endOff < e.startEnd || e.endOff > len(e.Raw) {
		return nil
	}
	return e.Raw[e.startEnd:e.endOff:e.endOff]
}

// Text returns the element's character data, unescaped and with CDATA
// sections included, when it has no child elements; "" otherwise.
func (e *Element) Text() string {
	if e.Children > 0 {
		return ""
	}
	in := e.Inner()
	if !bytes.ContainsAny(in, "&<\r") {
		return string(in)
	}
	return string(appendUnescaped(nil, in, false))
}

// Copy returns a deep copy that stays valid after the next call to Next.
func (e *Element) Copy() *Element {
	c := *e
	c.Raw = bytes.Clone(e.Raw)
	c.attrs = slices.Clone(e.attrs)
	c.inherit = slices.Clone(e.inherit)
	return &c
}

// AttrNS returns the unescaped value of the attribute local in namespace
// space, written with a prefix declared on the element itself or on the
// stream header; "" if absent.
func (e *Element) AttrNS(space, local string) string {
	for i := range e.attrs {
		a := &e.attrs[i]
		if a.colon < 0 {
			continue
		}
		name := e.Raw[a.nameOff : a.nameOff+a.nameLen]
		if string(name[a.colon+1:]) == local && e.prefixURI(name[:a.colon]) == space {
			return string(e.value(a))
		}
	}
	return ""
}

// prefixURI resolves a prefix in the scope of the element's start tag.
func (e *Element) prefixURI(prefix []byte) string {
	if string(prefix) == "xml" {
		return NSXML
	}
	for i := range e.attrs {
		a := &e.attrs[i]
		if p, ok := declPrefix(e.Raw, a); ok && a.colon >= 0 && string(p) == string(prefix) {
			return string(e.value(a))
		}
	}
	for _, ns := range e.inherit {
		if ns.prefix == string(prefix) {
			return ns.uri
		}
	}
	return ""
}
