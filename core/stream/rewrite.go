package stream

import (
	"errors"
	"fmt"

	"github.com/beevik/etree"
)

// stamp is an attribute that a rewrite sets on the start tag.
type stamp struct{ name, value string }

// AppendWithFrom appends the element to dst with its from attribute set to
// from (an existing one replaced, else inserted right after the element
// name), the value escaped in single quotes. Namespace declarations that the
// element inherited from the stream header are added to its start tag, except
// xmlns='jabber:client' and xmlns:stream, so the bytes can be written into
// any client stream.
func (e *Element) AppendWithFrom(dst []byte, from string) []byte {
	return e.rewrite(dst, false, stamp{"from", from})
}

// Append appends the element unchanged but for the inherited namespace
// declarations AppendWithFrom adds.
func (e *Element) Append(dst []byte) []byte {
	return e.rewrite(dst, false)
}

// AppendWithAddrs is AppendWithFrom that also sets to (used for error
// bounces and server-stamped replies).
func (e *Element) AppendWithAddrs(dst []byte, from, to string) []byte {
	return e.rewrite(dst, false, stamp{"from", from}, stamp{"to", to})
}

// DOM parses the element with etree into a standalone tree (not for the hot
// path): its root declares every namespace it inherited from the stream
// header, the default one included.
func (e *Element) DOM() (*etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(e.rewrite(nil, true)); err != nil {
		return nil, fmt.Errorf("parsing %s element: %w", e.Name.Local, err)
	}
	root := doc.Root()
	if root == nil {
		return nil, errors.New("parsing element: no element found")
	}
	root.Remove()
	return root, nil
}

// rewrite appends the element with the inherited declarations (all of them,
// or only those a client stream does not declare) and the stamps applied.
// At most two stamps are given.
func (e *Element) rewrite(dst []byte, allDecls bool, stamps ...stamp) []byte {
	if e.nameLen == 0 || 1+e.nameLen > len(e.Raw) {
		return append(dst, e.Raw...) // not produced by a Decoder
	}
	ins := 1 + e.nameLen
	dst = append(dst, e.Raw[:ins]...)
	dst = e.appendDecls(dst, allDecls)
	var replace [2]struct {
		a     *attrSpan
		value string
	}
	n := 0
	for _, s := range stamps {
		if a := e.attr(s.name); a != nil && n < len(replace) {
			replace[n].a, replace[n].value = a, s.value
			n++
			continue
		}
		dst = append(append(append(dst, ' '), s.name...), "='"...)
		dst = append(AppendEscapedAttr(dst, s.value), '\'')
	}
	if n == 2 && replace[1].a.valOff < replace[0].a.valOff {
		replace[0], replace[1] = replace[1], replace[0]
	}
	pos := ins
	for _, r := range replace[:n] {
		dst = append(append(dst, e.Raw[pos:r.a.valOff-1]...), '\'')
		dst = append(AppendEscapedAttr(dst, r.value), '\'')
		pos = r.a.valOff + r.a.valLen + 1
	}
	return append(dst, e.Raw[pos:]...)
}

func (e *Element) appendDecls(dst []byte, all bool) []byte {
	for _, ns := range e.inherit {
		if !all && (ns.prefix == "" && ns.uri == NSClient || ns.prefix == "stream" && ns.uri == NSStream) {
			continue
		}
		if ns.prefix == "" {
			dst = append(dst, " xmlns='"...)
		} else {
			dst = append(append(append(dst, " xmlns:"...), ns.prefix...), "='"...)
		}
		dst = append(AppendEscapedAttr(dst, ns.uri), '\'')
	}
	return dst
}

// AppendStandalone appends the element declaring every namespace it
// inherited from the stream header, the default one included, so that it
// means the same outside any stream: inside a BOSH <body/>, whose default
// namespace is another.
func (e *Element) AppendStandalone(dst []byte) []byte {
	return e.rewrite(dst, true)
}
