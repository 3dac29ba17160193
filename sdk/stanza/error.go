// Package stanza holds what the core and plugins both need to speak about
// stanzas: the RFC 6120 §8.3 error conditions and their wire form.
package stanza

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// NSStanzas is the namespace of stanza error conditions (RFC 6120 §8.3.3).
const NSStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"

// ErrorType is the type attribute of <error/> (RFC 6120 §8.3.2): what the
// sender should do about the error.
type ErrorType string

// Error types.
const (
	Auth     ErrorType = "auth"     // retry after providing credentials
	Cancel   ErrorType = "cancel"   // do not retry, the error cannot be remedied
	Continue ErrorType = "continue" // proceed, the condition was only a warning
	Modify   ErrorType = "modify"   // retry after changing the data sent
	Wait     ErrorType = "wait"     // retry after waiting, the error is temporary
)

// Condition is a defined stanza error condition (RFC 6120 §8.3.3).
type Condition string

// The conditions of RFC 6120 §8.3.3.
const (
	BadRequest            Condition = "bad-request"             // malformed or unprocessable request
	Conflict              Condition = "conflict"                // a resource or session with that name already exists
	FeatureNotImplemented Condition = "feature-not-implemented" // the feature is understood but not implemented
	Forbidden             Condition = "forbidden"               // the sender lacks the permission
	Gone                  Condition = "gone"                    // the recipient is no longer at this address
	InternalServerError   Condition = "internal-server-error"   // the server failed in a way it could not foresee
	ItemNotFound          Condition = "item-not-found"          // the addressed item does not exist
	JIDMalformed          Condition = "jid-malformed"           // an address does not meet RFC 7622
	NotAcceptable         Condition = "not-acceptable"          // the request violates a policy or limit of the recipient
	NotAllowed            Condition = "not-allowed"             // no entity may perform the action
	NotAuthorized         Condition = "not-authorized"          // the sender must authenticate first
	PolicyViolation       Condition = "policy-violation"        // the sender broke a local service policy
	RecipientUnavailable  Condition = "recipient-unavailable"   // the recipient is temporarily unavailable
	Redirect              Condition = "redirect"                // the recipient moved, temporarily
	RegistrationRequired  Condition = "registration-required"   // the sender must register first
	RemoteServerNotFound  Condition = "remote-server-not-found" // the recipient's server does not exist or cannot be reached
	RemoteServerTimeout   Condition = "remote-server-timeout"   // the recipient's server did not answer in time
	ResourceConstraint    Condition = "resource-constraint"     // the server is too busy or a quota is exhausted
	ServiceUnavailable    Condition = "service-unavailable"     // no service for that request at that address
	SubscriptionRequired  Condition = "subscription-required"   // the sender must subscribe first
	UndefinedCondition    Condition = "undefined-condition"     // see the application-specific condition
	UnexpectedRequest     Condition = "unexpected-request"      // the request came out of order
)

// DefaultType is the error type RFC 6120 §8.3.3 pairs with each condition.
func (c Condition) DefaultType() ErrorType {
	switch c {
	case BadRequest, JIDMalformed, NotAcceptable, PolicyViolation, Redirect, Gone:
		return Modify
	case Forbidden, NotAuthorized, RegistrationRequired, SubscriptionRequired:
		return Auth
	case InternalServerError, RecipientUnavailable, RemoteServerTimeout, ResourceConstraint:
		return Wait
	default:
		return Cancel
	}
}

// Error is a stanza error: what goes inside <error/> of a reply of type
// "error".
type Error struct {
	Type      ErrorType // empty means Condition.DefaultType()
	Condition Condition
	Text      string // human-readable, optional
	By        string // JID of the entity that generated the error, optional
	// AppSpace and AppLocal name an application-specific condition element,
	// such as {urn:xmpp:blocking:errors, blocked}; both empty for none.
	AppSpace, AppLocal string
	// AppAttrs are attributes of that element, in order, such as
	// XEP-0060's feature='publish-options' on <unsupported/>.
	AppAttrs []Attr
	// AppChildren are elements of text inside it, in its namespace, such
	// as XEP-0363's <max-file-size>20000</max-file-size> in
	// <file-too-large/>.
	AppChildren []Child
}

// Attr is an attribute of an application-specific condition.
type Attr struct{ Name, Value string }

// Child is an element of an application-specific condition, with text.
type Child struct{ Name, Text string }

// New returns an error with the condition's default type.
func New(c Condition) *Error { return &Error{Condition: c} }

// Errorf returns an error with the condition's default type and a text.
func Errorf(c Condition, text string) *Error { return &Error{Condition: c, Text: text} }

func (e *Error) Error() string {
	if e.Text == "" {
		return string(e.Condition)
	}
	return string(e.Condition) + ": " + e.Text
}

// ErrorType returns the type, falling back to the condition's default.
func (e *Error) ErrorType() ErrorType {
	if e.Type != "" {
		return e.Type
	}
	return e.Condition.DefaultType()
}

// AppendXML appends the <error/> element to dst. Names that are not XML
// names (a plugin's mistake, or worse) are not written: an invalid
// condition becomes undefined-condition, an invalid application
// condition or attribute is left out, so that no error can break the
// stream it is sent on.
func (e *Error) AppendXML(dst []byte) []byte {
	dst = append(dst, "<error type='"...)
	switch t := e.ErrorType(); t {
	case Auth, Cancel, Continue, Modify, Wait:
		dst = append(dst, t...)
	default:
		dst = append(dst, Cancel...)
	}
	dst = append(dst, '\'')
	if e.By != "" {
		dst = append(dst, " by='"...)
		dst = appendEscaped(dst, e.By)
		dst = append(dst, '\'')
	}
	dst = append(dst, "><"...)
	if validName(string(e.Condition)) {
		dst = append(dst, e.Condition...)
	} else {
		dst = append(dst, UndefinedCondition...)
	}
	dst = append(dst, " xmlns='"+NSStanzas+"'/>"...)
	if e.Text != "" {
		dst = append(dst, "<text xmlns='"+NSStanzas+"'>"...)
		dst = appendEscaped(dst, e.Text)
		dst = append(dst, "</text>"...)
	}
	if e.AppLocal != "" && validName(e.AppLocal) {
		dst = append(dst, '<')
		dst = append(dst, e.AppLocal...)
		dst = append(dst, " xmlns='"...)
		dst = appendEscaped(dst, e.AppSpace)
		dst = append(dst, '\'')
		for _, a := range e.AppAttrs {
			if !validName(a.Name) || a.Name == "xmlns" {
				continue
			}
			dst = append(dst, ' ')
			dst = append(dst, a.Name...)
			dst = append(dst, "='"...)
			dst = appendEscaped(dst, a.Value)
			dst = append(dst, '\'')
		}
		dst = appendChildren(dst, e.AppLocal, e.AppChildren)
	}
	return append(dst, "</error>"...)
}

// appendChildren closes the application condition named local, with its
// children; one whose name is not an XML name is left out.
func appendChildren(dst []byte, local string, children []Child) []byte {
	open := false
	for _, c := range children {
		if !validName(c.Name) {
			continue
		}
		if !open {
			dst, open = append(dst, '>'), true
		}
		dst = append(dst, '<')
		dst = append(dst, c.Name...)
		dst = append(dst, '>')
		dst = appendEscaped(dst, c.Text)
		dst = append(dst, "</"...)
		dst = append(dst, c.Name...)
		dst = append(dst, '>')
	}
	if !open {
		return append(dst, "/>"...)
	}
	dst = append(dst, "</"...)
	dst = append(dst, local...)
	return append(dst, '>')
}

// validName accepts the XML names conditions use: ASCII letters, digits,
// '-', '_' and '.', not starting with a digit, '-' or '.'. No prefixes.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// String returns the XML form.
func (e *Error) String() string { return string(e.AppendXML(nil)) }

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")

func appendEscaped(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, "&<>'\"") {
		return append(dst, s...)
	}
	return append(dst, escaper.Replace(s)...)
}

// Incident returns an internal-server-error whose text carries a fresh
// id, and the id: the log line that says what went wrong carries it too,
// so that an operator finds the line from a user's report. Eight hex
// digits: enough to find one line, short enough to read out over the
// phone.
func Incident() (err *Error, id string) {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	id = hex.EncodeToString(b[:])
	return Errorf(InternalServerError, "internal error, id "+id), id
}
