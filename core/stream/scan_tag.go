package stream

import (
	"bytes"
	"unicode/utf8"
)

// openTag is an open element of the current stanza.
type openTag struct {
	off, n int // qualified name, relative to the stanza start
	colon  int // colon within the name, -1 if none
	nsMark int // len(Decoder.ns) before the element's own declarations
}

// attrSpan locates one attribute inside the element's raw bytes.
type attrSpan struct {
	nameOff, nameLen int
	colon            int // colon within the name, -1 if none
	valOff, valLen   int // between the quotes
	amp              bool
}

func (d *Decoder) beginName(st state) {
	d.tok = d.p - d.start
	d.colon = -1
	d.st = st
}

// scanName advances over a qualified name that starts at d.tok. It reports
// true once the byte after the name is buffered, with d.p on that byte.
func (d *Decoder) scanName() (bool, error) {
	buf := d.buf[:d.end]
	p := d.p
	if p-d.start == d.tok {
		if p == len(buf) {
			return false, nil
		}
		if c := buf[p]; c < utf8.RuneSelf {
			if charClass[c]&cNameStart == 0 {
				return false, errNotWellFormed("invalid name")
			}
			p++
		} else {
			r, n, ok := decodeChar(buf[p:])
			if n == 0 {
				return false, nil
			}
			if !ok || !isNameStartRune(r) {
				return false, errNotWellFormed("invalid name")
			}
			p += n
		}
	}
	for p < len(buf) {
		c := buf[p]
		if c < utf8.RuneSelf {
			if charClass[c]&cName == 0 {
				break
			}
			if c == ':' {
				if d.colon >= 0 {
					return false, errNotWellFormed("name with two colons")
				}
				d.colon = p - d.start
			}
			p++
			continue
		}
		r, n, ok := decodeChar(buf[p:])
		if n == 0 {
			break
		}
		if !ok || !isNameRune(r) {
			return false, errNotWellFormed("invalid name")
		}
		p += n
	}
	d.p = p
	if p == len(buf) || buf[p] >= utf8.RuneSelf {
		return false, nil // the name may go on in the next read
	}
	if d.colon == p-d.start-1 {
		return false, errNotWellFormed("name ends with a colon")
	}
	return true, nil
}

// nameColon is the colon of the name just scanned, relative to the name.
func (d *Decoder) nameColon() int {
	if d.colon < 0 {
		return -1
	}
	return d.colon - d.tok
}

func (d *Decoder) scanStartName() (step, error) {
	if ok, err := d.scanName(); !ok {
		return stepInput, err
	}
	tag := openTag{off: d.tok, n: d.p - d.start - d.tok, colon: d.nameColon(), nsMark: len(d.ns)}
	if tag.colon == 5 && string(d.buf[d.start+tag.off:d.start+tag.off+5]) == "xmlns" {
		return stepNext, errNotWellFormed("element with the xmlns prefix")
	}
	if d.mode == modeStanza && d.depth >= d.limits.MaxDepth {
		return stepNext, errPolicy("elements nested too deep")
	}
	d.tags = append(d.tags[:d.depth], tag) // in header mode the stream element sits at index 0
	if d.mode == modeStanza {
		d.depth++
	}
	d.attrs = d.attrs[:0]
	d.spaced = false
	d.st = stTagSpace
	return d.scanTagSpace()
}

func (d *Decoder) scanTagSpace() (step, error) {
	for d.p < d.end {
		c := d.buf[d.p]
		switch {
		case isSpace(c):
			d.spaced = true
			d.p++
			continue
		case c == '>' && !d.inDecl:
			d.p++
			return d.closeStartTag(false)
		case c == '/' && !d.inDecl:
			d.p++
			d.st = stEmptyEnd
		case c == '?' && d.inDecl:
			d.p++
			d.st = stDeclEnd
		case !d.spaced:
			return stepNext, errNotWellFormed("attributes must be separated by whitespace")
		default:
			d.beginName(stAttrName)
			return d.scanAttrName()
		}
		return stepNext, nil
	}
	return stepInput, nil
}

func (d *Decoder) scanAttrName() (step, error) {
	if ok, err := d.scanName(); !ok {
		return stepInput, err
	}
	if len(d.attrs) >= d.limits.MaxAttrs {
		return stepNext, errPolicy("too many attributes")
	}
	a := attrSpan{nameOff: d.tok, nameLen: d.p - d.start - d.tok, colon: d.nameColon()}
	raw := d.buf[d.start:]
	name := raw[a.nameOff : a.nameOff+a.nameLen]
	for i := range d.attrs {
		b := &d.attrs[i]
		if b.nameLen == a.nameLen && bytes.Equal(raw[b.nameOff:b.nameOff+b.nameLen], name) {
			return stepNext, errNotWellFormed("duplicate attribute")
		}
	}
	d.attrs = append(d.attrs, a)
	d.st = stAttrEq
	return d.scanAttrEq()
}

func (d *Decoder) scanAttrEq() (step, error) {
	for ; d.p < d.end; d.p++ {
		c := d.buf[d.p]
		if isSpace(c) {
			continue
		}
		if c != '=' {
			return stepNext, errNotWellFormed("attribute without a value")
		}
		d.p++
		d.st = stAttrQuote
		return d.scanAttrQuote()
	}
	return stepInput, nil
}

func (d *Decoder) scanAttrQuote() (step, error) {
	for ; d.p < d.end; d.p++ {
		c := d.buf[d.p]
		if isSpace(c) {
			continue
		}
		if c != '\'' && c != '"' {
			return stepNext, errNotWellFormed("unquoted attribute value")
		}
		d.p++
		d.quote = c
		d.tok = d.p - d.start
		d.amp = false
		d.st = stAttrValue
		return d.scanAttrValue()
	}
	return stepInput, nil
}

func (d *Decoder) scanAttrValue() (step, error) {
	buf := d.buf[:d.end]
	p := d.p
	for p < len(buf) {
		c := buf[p]
		if charClass[c]&cAttr != 0 {
			p++
			continue
		}
		switch {
		case c == d.quote:
			a := &d.attrs[len(d.attrs)-1]
			a.valOff, a.valLen, a.amp = d.tok, p-d.start-d.tok, d.amp
			d.p = p + 1
			d.spaced = false
			d.st = stTagSpace
			return stepNext, nil
		case c == '\'' || c == '"':
			p++
		case c == '&':
			d.p = p + 1
			d.amp = true
			d.beginRef(stAttrValue)
			return stepNext, nil
		case c == '<':
			return stepNext, errNotWellFormed("'<' in attribute value")
		case c < utf8.RuneSelf:
			return stepNext, errNotWellFormed("character not allowed in XML")
		default:
			_, n, ok := decodeChar(buf[p:])
			if n == 0 {
				d.p = p
				return stepInput, nil
			}
			if !ok {
				return stepNext, errNotWellFormed("invalid UTF-8 or character not allowed in XML")
			}
			p += n
		}
	}
	d.p = p
	return stepInput, nil
}

func (d *Decoder) scanEmptyEnd() (step, error) {
	if d.p == d.end {
		return stepInput, nil
	}
	if d.buf[d.p] != '>' {
		return stepNext, errNotWellFormed("'/' in a start tag not followed by '>'")
	}
	d.p++
	return d.closeStartTag(true)
}

func (d *Decoder) scanEndName() (step, error) {
	if ok, err := d.scanName(); !ok {
		return stepInput, err
	}
	d.tokLen = d.p - d.start - d.tok
	d.st = stEndSpace
	return stepNext, nil
}

func (d *Decoder) scanEndSpace() (step, error) {
	for ; d.p < d.end; d.p++ {
		c := d.buf[d.p]
		if isSpace(c) {
			continue
		}
		if c != '>' {
			return stepNext, errNotWellFormed("malformed end tag")
		}
		d.p++
		return d.closeEndTag()
	}
	return stepInput, nil
}
