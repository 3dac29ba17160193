// Package jidprep parses and prepares JIDs (RFC 7622) for the routing path.
//
// Preparation itself is mellium.im/xmpp/jid's (PRECIS through
// golang.org/x/text). This package adds a fast path: most addresses on the
// wire are lower-case ASCII, for which the PRECIS profiles are the identity,
// so they are checked byte by byte and returned as substrings of the input
// without allocating. Everything else takes the full preparation.
package jidprep

import (
	"errors"
	"strings"

	"mellium.im/xmpp/jid"
)

// maxPart is the byte limit RFC 7622 §3.1 puts on each part.
const maxPart = 1023

// ErrMalformed wraps every preparation failure.
var ErrMalformed = errors.New("malformed JID")

// JID is a prepared address, its parts kept as strings so that routing can
// use them as map keys without conversion.
type JID struct {
	Local, Domain, Resource string
}

// Parse splits and prepares s.
func Parse(s string) (JID, error) {
	if j, ok := fastParse(s); ok {
		return j, nil
	}
	p, err := jid.Parse(s)
	if err != nil {
		return JID{}, malformed(s, err)
	}
	return fromMellium(p), nil
}

// New prepares the three parts; local and resource may be empty.
func New(local, domain, resource string) (JID, error) {
	j := JID{Local: local, Domain: domain, Resource: resource}
	if fastOK(j) {
		return j, nil
	}
	p, err := jid.New(local, domain, resource)
	if err != nil {
		return JID{}, malformed(j.String(), err)
	}
	return fromMellium(p), nil
}

func malformed(s string, err error) error {
	return errors.Join(ErrMalformed, errors.New("preparing JID "+quote(s)+": "+err.Error()))
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "\"" + s + "\""
}

func fromMellium(p jid.JID) JID {
	return JID{Local: p.Localpart(), Domain: p.Domainpart(), Resource: p.Resourcepart()}
}

// Bare returns local@domain, or domain when there is no localpart.
func (j JID) Bare() string {
	if j.Local == "" {
		return j.Domain
	}
	return j.Local + "@" + j.Domain
}

// BareJID drops the resource.
func (j JID) BareJID() JID { return JID{Local: j.Local, Domain: j.Domain} }

// String returns the canonical textual form.
func (j JID) String() string {
	if j.Resource == "" {
		return j.Bare()
	}
	var b strings.Builder
	b.Grow(len(j.Local) + len(j.Domain) + len(j.Resource) + 2)
	if j.Local != "" {
		b.WriteString(j.Local)
		b.WriteByte('@')
	}
	b.WriteString(j.Domain)
	b.WriteByte('/')
	b.WriteString(j.Resource)
	return b.String()
}

// IsZero reports whether j is the empty address.
func (j JID) IsZero() bool { return j.Domain == "" }

// IsBare reports whether j has no resource.
func (j JID) IsBare() bool { return j.Resource == "" }
