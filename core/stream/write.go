package stream

import "unicode/utf8"

// Close is the closing tag of a stream.
const Close = "</stream:stream>"

// AppendHeader appends the XML declaration and a stream header answering h:
//
//	<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='..' from='..' to='..' version='1.0' xml:lang='..'>
//
// An empty To is omitted; empty DefaultNS, Version and Lang default to
// jabber:client, 1.0 and en.
func AppendHeader(dst []byte, h Header) []byte {
	ns := h.DefaultNS
	if ns == "" {
		ns = NSClient
	}
	version := h.Version
	if version == "" {
		version = "1.0"
	}
	lang := h.Lang
	if lang == "" {
		lang = "en"
	}
	dst = append(dst, "<?xml version='1.0'?><stream:stream xmlns='"...)
	dst = AppendEscapedAttr(dst, ns)
	dst = append(dst, "' xmlns:stream='"+NSStream+"' id='"...)
	dst = AppendEscapedAttr(dst, h.ID)
	dst = append(dst, "' from='"...)
	dst = AppendEscapedAttr(dst, h.From)
	if h.To != "" {
		dst = append(dst, "' to='"...)
		dst = AppendEscapedAttr(dst, h.To)
	}
	dst = append(dst, "' version='"...)
	dst = AppendEscapedAttr(dst, version)
	dst = append(dst, "' xml:lang='"...)
	dst = AppendEscapedAttr(dst, lang)
	return append(dst, "'>"...)
}

// AppendError appends a <stream:error/> carrying e. An empty Condition is
// written as undefined-condition.
func AppendError(dst []byte, e *Error) []byte {
	cond := e.Condition
	if cond == "" {
		cond = CondUndefinedCondition
	}
	dst = append(dst, "<stream:error><"...)
	dst = append(dst, cond...)
	dst = append(dst, " xmlns='"+NSStreamErrors+"'/>"...)
	if e.Text != "" {
		dst = append(dst, "<text xmlns='"+NSStreamErrors+"'>"...)
		dst = AppendEscapedText(dst, e.Text)
		dst = append(dst, "</text>"...)
	}
	return append(dst, "</stream:error>"...)
}

// AppendEscapedAttr escapes & < > ' " for use inside single or double quotes.
// Tab, newline and carriage return become character references so that they
// survive attribute-value normalization, and bytes that cannot appear in XML
// (invalid UTF-8, control characters) become U+FFFD.
func AppendEscapedAttr(dst []byte, s string) []byte {
	return appendEscaped(dst, s, true)
}

// AppendEscapedText escapes & < > for character data. A carriage return
// becomes &#13; so that it survives line-end normalization, and bytes that
// cannot appear in XML become U+FFFD.
func AppendEscapedText(dst []byte, s string) []byte {
	return appendEscaped(dst, s, false)
}

func appendEscaped(dst []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		n := 1
		if c < utf8.RuneSelf {
			esc = asciiEscape(c, attr)
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || !isXMLChar(r) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			dst = append(append(dst, s[last:i]...), esc...)
			last = i + n
		}
		i += n
	}
	return append(dst, s[last:]...)
}

func asciiEscape(c byte, attr bool) string {
	switch c {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '\r':
		return "&#13;"
	case '\'':
		if attr {
			return "&apos;"
		}
	case '"':
		if attr {
			return "&quot;"
		}
	case '\t':
		if attr {
			return "&#9;"
		}
	case '\n':
		if attr {
			return "&#10;"
		}
	default:
		if c < 0x20 {
			return "\uFFFD"
		}
	}
	return ""
}
