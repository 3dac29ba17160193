package stream

import "unicode/utf8"

// Byte classes for the ASCII range; a byte >= 0x80 belongs to none of them
// and is decoded as UTF-8 by the slow path.
const (
	cText      uint8 = 1 << iota // plain character data: XML-legal and not < & ]
	cAttr                        // plain attribute value: XML-legal and not < & ' "
	cCDATA                       // plain CDATA content: XML-legal and not ]
	cName                        // NameChar, including ':'
	cNameStart                   // NameStartChar, without ':' (a QName cannot start with it)
	cSpace                       // S: space, tab, CR, LF
)

// charClass maps each byte to its classes. It is a constant string rather
// than a table built at start-up so that the package holds no mutable state;
// TestCharClass checks it against the rules it encodes.
const charClass = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x27\x27\x00\x00\x27\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x27\x07\x05\x07\x07\x07\x04\x05\x07\x07\x07\x07\x07\x0f\x0f\x07" +
	"\x0f\x0f\x0f\x0f\x0f\x0f\x0f\x0f\x0f\x0f\x0f\x07\x04\x07\x07\x07" +
	"\x07\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f" +
	"\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x07\x07\x02\x07\x1f" +
	"\x07\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f" +
	"\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x07\x07\x07\x07\x07" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

func isSpace(c byte) bool { return charClass[c]&cSpace != 0 }

// decodeChar decodes the UTF-8 sequence at the start of b. It returns size 0
// when b holds only part of a sequence, and ok false when the sequence is
// invalid or the character is not allowed by XML 1.0.
func decodeChar(b []byte) (r rune, size int, ok bool) {
	if !utf8.FullRune(b) {
		return 0, 0, true
	}
	r, size = utf8.DecodeRune(b)
	if r == utf8.RuneError && size == 1 {
		return r, size, false
	}
	return r, size, isXMLChar(r)
}

// isXMLChar reports whether r is a Char of XML 1.0 §2.2.
func isXMLChar(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// isNameStartRune reports whether a non-ASCII r is a NameStartChar.
func isNameStartRune(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r == 0x200C, r == 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

// isNameRune reports whether a non-ASCII r is a NameChar.
func isNameRune(r rune) bool {
	return isNameStartRune(r) || r == 0xB7 || r >= 0x300 && r <= 0x36F || r == 0x203F || r == 0x2040
}
