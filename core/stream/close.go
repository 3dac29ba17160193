package stream

import (
	"bytes"
	"io"
)

// closeStartTag finishes a start tag at its '>': it applies the element's
// namespace declarations, checks its prefixes and records what the Element
// exposes.
func (d *Decoder) closeStartTag(self bool) (step, error) {
	if d.mode == modeHeader {
		return d.closeHeader(self)
	}
	if err := d.declare(); err != nil {
		return stepNext, err
	}
	tag := &d.tags[d.depth-1]
	qname := d.buf[d.start+tag.off : d.start+tag.off+tag.n]
	var prefix []byte
	local := qname
	if tag.colon >= 0 {
		prefix, local = qname[:tag.colon], qname[tag.colon+1:]
	}
	e := &d.elem
	want := d.depth == 1 || d.depth == 2 && e.Children == 0
	space, ok := d.resolve(prefix, want)
	if !ok {
		return stepNext, errNotWellFormed("undeclared namespace prefix")
	}
	if err := d.checkAttrPrefixes(); err != nil {
		return stepNext, err
	}
	switch d.depth {
	case 1:
		e.Name = Name{Space: space, Local: d.atom(local)}
		e.attrs = append(e.attrs[:0], d.attrs...)
		e.nameLen = tag.n
		e.startEnd = d.p - d.start
		if self {
			e.self = true
			e.endOff = e.startEnd
		}
	case 2:
		if e.Children == 0 {
			e.Child = Name{Space: space, Local: d.atom(local)}
		}
		e.Children++
	}
	if !self {
		d.st = stText
		return stepNext, nil
	}
	return d.closeElement()
}

// closeEndTag matches an end tag against the open element, or at the top
// level against the stream header, which ends the stream.
func (d *Decoder) closeEndTag() (step, error) {
	raw := d.buf[d.start:]
	name := raw[d.tok : d.tok+d.tokLen]
	if d.depth == 0 {
		if string(name) != d.hdr.qname {
			return stepNext, errNotWellFormed("end tag without a start tag")
		}
		d.mode = modeClosed
		d.r = d.p
		d.st = stTop
		return stepNext, io.EOF
	}
	tag := &d.tags[d.depth-1]
	if !bytes.Equal(name, raw[tag.off:tag.off+tag.n]) {
		return stepNext, errNotWellFormed("end tag does not match the start tag")
	}
	return d.closeElement()
}

func (d *Decoder) closeElement() (step, error) {
	d.depth--
	d.ns = d.ns[:d.tags[d.depth].nsMark]
	if d.depth > 0 {
		d.st = stText
		return stepNext, nil
	}
	d.elem.Raw = d.buf[d.start:d.p:d.p]
	d.r = d.p
	d.st = stTop
	return stepDone, nil
}
