package client

import (
	"bytes"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// StreamError is a <stream:error/> the server sent; the stream is over.
type StreamError struct {
	Condition string // e.g. "policy-violation"
}

func (e *StreamError) Error() string { return "stream error: " + e.Condition }

func newStreamError(el *stream.Element) error {
	return &StreamError{Condition: el.Child.Local}
}

// AuthError is a SASL <failure/>.
type AuthError struct {
	Condition string // e.g. "not-authorized"
}

func (e *AuthError) Error() string { return "auth failed: " + e.Condition }

// StanzaError is an IQ answered with type='error'.
type StanzaError struct {
	What      string // the request, e.g. "roster get"
	Condition string // e.g. "service-unavailable"
}

func (e *StanzaError) Error() string { return "iq error: " + e.What + ": " + e.Condition }

// ErrorCondition returns the defined condition of an error stanza given
// as raw bytes, "undefined-condition" if there is none.
func ErrorCondition(raw []byte) string { return stanzaCondition(raw) }

// stanzaCondition finds the defined condition in an error stanza's raw
// bytes: the first element in the stanza-errors namespace. Looking at bytes
// is enough here; this runs once per failed request, and the tool must
// not depend on how a server spells its namespace declarations beyond the
// usual xmlns='…' on the condition element.
func stanzaCondition(raw []byte) string {
	i := bytes.Index(raw, []byte(stream.NSStanzaErrors))
	if i < 0 {
		return "undefined-condition"
	}
	start := bytes.LastIndexByte(raw[:i], '<')
	if start < 0 {
		return "undefined-condition"
	}
	name := raw[start+1:]
	if end := bytes.IndexAny(name, " \t\r\n/>"); end >= 0 {
		name = name[:end]
	}
	if string(name) == "text" {
		// <text/> may come first; look past it.
		if cond := stanzaCondition(raw[i+len(stream.NSStanzaErrors):]); cond != "undefined-condition" {
			return cond
		}
	}
	return string(name)
}
