package stream

import "unicode/utf8"

func (d *Decoder) scanText() (step, error) {
	buf := d.buf[:d.end]
	p := d.p
	for p < len(buf) {
		c := buf[p]
		if charClass[c]&cText != 0 {
			p++
			continue
		}
		switch {
		case c == '<':
			d.p = p + 1
			d.st = stLt
			return d.scanLt()
		case c == '&':
			d.p = p + 1
			d.beginRef(stText)
			return stepNext, nil
		case c == ']':
			d.p = p + 1
			d.brackets = 1
			d.st = stTextBrackets
			return stepNext, nil
		case c < utf8.RuneSelf:
			return stepNext, errNotWellFormed("character not allowed in XML")
		}
		_, n, ok := decodeChar(buf[p:])
		if n == 0 {
			break
		}
		if !ok {
			return stepNext, errNotWellFormed("invalid UTF-8 or character not allowed in XML")
		}
		p += n
	}
	d.p = p
	return stepInput, nil
}

// scanTextBrackets refuses "]]>" in character data, which XML 1.0 forbids.
func (d *Decoder) scanTextBrackets() (step, error) {
	for ; d.p < d.end; d.p++ {
		switch d.buf[d.p] {
		case ']':
			d.brackets++
			continue
		case '>':
			if d.brackets >= 2 {
				return stepNext, errNotWellFormed("']]>' in character data")
			}
			d.p++
		}
		d.st = stText
		return stepNext, nil
	}
	return stepInput, nil
}

func (d *Decoder) scanCDATA() (step, error) {
	buf := d.buf[:d.end]
	p := d.p
	for p < len(buf) {
		c := buf[p]
		if d.brackets > 0 {
			switch {
			case c == ']':
				d.brackets++
				p++
				continue
			case c == '>' && d.brackets >= 2:
				d.p = p + 1
				d.st = stText
				return stepNext, nil
			}
			d.brackets = 0
		}
		if charClass[c]&cCDATA != 0 {
			p++
			continue
		}
		if c == ']' {
			d.brackets = 1
			p++
			continue
		}
		if c < utf8.RuneSelf {
			return stepNext, errNotWellFormed("character not allowed in XML")
		}
		_, n, ok := decodeChar(buf[p:])
		if n == 0 {
			break
		}
		if !ok {
			return stepNext, errNotWellFormed("invalid UTF-8 or character not allowed in XML")
		}
		p += n
	}
	d.p = p
	return stepInput, nil
}

// beginRef starts a reference after '&'; ret is where to go after its ';'.
func (d *Decoder) beginRef(ret state) {
	d.ret = ret
	d.st = stRef
}

func (d *Decoder) scanRef() (step, error) {
	if d.p == d.end {
		return stepInput, nil
	}
	c := d.buf[d.p]
	switch {
	case c == '#':
		d.p++
		d.st = stCharRefStart
	case charClass[c]&cNameStart != 0:
		d.ref = d.p - d.start
		d.st = stEntityName
	case c >= utf8.RuneSelf:
		return stepNext, errRestricted("only the predefined entities may be referenced")
	default:
		return stepNext, errNotWellFormed("'&' not starting a reference")
	}
	return stepNext, nil
}

func (d *Decoder) scanEntityName() (step, error) {
	for ; d.p < d.end; d.p++ {
		c := d.buf[d.p]
		if c < utf8.RuneSelf && charClass[c]&cName != 0 {
			continue
		}
		switch {
		case c == ';':
			if !isPredefinedEntity(d.buf[d.start+d.ref : d.p]) {
				return stepNext, errRestricted("only the predefined entities may be referenced")
			}
			d.p++
			d.st = d.ret
			return stepNext, nil
		case c >= utf8.RuneSelf:
			return stepNext, errRestricted("only the predefined entities may be referenced")
		}
		return stepNext, errNotWellFormed("entity reference without ';'")
	}
	return stepInput, nil
}

func isPredefinedEntity(name []byte) bool {
	switch string(name) {
	case "amp", "lt", "gt", "quot", "apos":
		return true
	}
	return false
}

func (d *Decoder) scanCharRefStart() (step, error) {
	if d.p == d.end {
		return stepInput, nil
	}
	c := d.buf[d.p]
	switch {
	case c == 'x':
		d.refHex = true
		d.p++
	case c >= '0' && c <= '9':
		d.refHex = false
	default:
		return stepNext, errNotWellFormed("malformed character reference")
	}
	d.refVal, d.refLen = 0, 0
	d.st = stCharRef
	return stepNext, nil
}

func (d *Decoder) scanCharRef() (step, error) {
	for ; d.p < d.end; d.p++ {
		c := d.buf[d.p]
		v := digitValue(c, d.refHex)
		if v >= 0 {
			if d.refHex {
				d.refVal = d.refVal*16 + v
			} else {
				d.refVal = d.refVal*10 + v
			}
			if d.refVal > utf8.MaxRune {
				return stepNext, errNotWellFormed("character reference out of range")
			}
			d.refLen++
			continue
		}
		if c != ';' || d.refLen == 0 {
			return stepNext, errNotWellFormed("malformed character reference")
		}
		if !isXMLChar(rune(d.refVal)) {
			return stepNext, errNotWellFormed("character reference to a character not allowed in XML")
		}
		d.p++
		d.st = d.ret
		return stepNext, nil
	}
	return stepInput, nil
}

// digitValue is the value of c as a decimal or hexadecimal digit, -1 if none.
func digitValue(c byte, hex bool) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case hex && c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case hex && c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
