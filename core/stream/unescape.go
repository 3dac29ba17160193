package stream

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// appendUnescaped appends s with references replaced and line ends
// normalized as an XML processor would (XML 1.0 §2.11, §3.3.3): in an
// attribute value (attr) white space becomes a space; in content CDATA
// sections are unwrapped. s has been checked by the scanner.
func appendUnescaped(dst, s []byte, attr bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '&':
			end := bytes.IndexByte(s[i:], ';')
			if end < 0 {
				return append(dst, s[i:]...)
			}
			dst = appendRef(dst, s[i+1:i+end])
			i += end + 1
		case c == '<' && !attr && bytes.HasPrefix(s[i:], []byte("<![CDATA[")):
			body := s[i+len("<![CDATA["):]
			end := bytes.Index(body, []byte("]]>"))
			if end < 0 {
				return appendUnescapedLines(dst, body)
			}
			dst = appendUnescapedLines(dst, body[:end])
			i += len("<![CDATA[") + end + len("]]>")
		case c == '\r':
			if attr {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, '\n')
			}
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case attr && (c == '\t' || c == '\n'):
			dst = append(dst, ' ')
			i++
		default:
			j := i + 1
			for j < len(s) && s[j] != '&' && s[j] != '<' && s[j] != '\r' && (!attr || s[j] != '\t' && s[j] != '\n') {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
		}
	}
	return dst
}

// appendUnescapedLines normalizes the line ends of CDATA content.
func appendUnescapedLines(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '\r')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(append(dst, s[:i]...), '\n')
		s = s[i+1:]
		if len(s) > 0 && s[0] == '\n' {
			s = s[1:]
		}
	}
}

// appendRef appends the character that the reference &name; stands for.
func appendRef(dst, name []byte) []byte {
	switch string(name) {
	case "amp":
		return append(dst, '&')
	case "lt":
		return append(dst, '<')
	case "gt":
		return append(dst, '>')
	case "quot":
		return append(dst, '"')
	case "apos":
		return append(dst, '\'')
	}
	if len(name) > 1 && name[0] == '#' {
		digits, base := name[1:], 10
		if digits[0] == 'x' {
			digits, base = digits[1:], 16
		}
		if v, err := strconv.ParseUint(string(digits), base, 32); err == nil && isXMLChar(rune(v)) {
			return utf8.AppendRune(dst, rune(v))
		}
	}
	return append(append(append(dst, '&'), name...), ';')
}
