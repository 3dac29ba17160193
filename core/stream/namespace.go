package stream

import "bytes"

// maxAtoms bounds the strings a Decoder keeps to avoid allocating element
// names and namespaces on every stanza.
const maxAtoms = 512

// binding is a namespace declaration made inside the current stanza.
type binding struct {
	pOff, pLen int // declared prefix in the stanza's bytes; pLen 0 for xmlns='...'
	vOff, vLen int
	amp        bool
}

// headerScope is what the stream header declared for the whole stream.
type headerScope struct {
	qname string   // qualified name of the stream element, to match its end tag
	def   string   // default namespace, "" if none
	decls []nsDecl // prefixed declarations
}

type nsDecl struct{ prefix, uri string }

func (s *headerScope) lookup(prefix []byte) (string, bool) {
	if string(prefix) == "xml" {
		return NSXML, true
	}
	for _, x := range s.decls {
		if x.prefix == string(prefix) {
			return x.uri, true
		}
	}
	return "", false
}

// declPrefix reports whether a is a namespace declaration and the prefix it
// declares, empty for the default namespace.
func declPrefix(raw []byte, a *attrSpan) ([]byte, bool) {
	name := raw[a.nameOff : a.nameOff+a.nameLen]
	switch {
	case a.colon < 0:
		return nil, string(name) == "xmlns"
	case a.colon == 5 && string(name[:5]) == "xmlns":
		return name[6:], true
	}
	return nil, false
}

// checkDecl applies the reserved-prefix rules of Namespaces in XML 1.0 §3.
func checkDecl(prefix, uri []byte) error {
	switch {
	case string(prefix) == "xmlns":
		return errNotWellFormed("the xmlns prefix cannot be declared")
	case string(prefix) == "xml":
		if string(uri) != NSXML {
			return errNotWellFormed("the xml prefix cannot be rebound")
		}
	case string(uri) == NSXML || string(uri) == nsXMLNS:
		return errNotWellFormed("reserved namespace bound to another prefix")
	case len(prefix) > 0 && len(uri) == 0:
		return errNotWellFormed("prefix bound to the empty namespace")
	}
	return nil
}

// declare pushes the declarations of the start tag being closed. The stack
// is untouched by the usual element that declares nothing.
func (d *Decoder) declare() error {
	raw := d.buf[d.start:]
	for i := range d.attrs {
		a := &d.attrs[i]
		prefix, ok := declPrefix(raw, a)
		if !ok {
			continue
		}
		if err := checkDecl(prefix, d.attrValue(raw, a)); err != nil {
			return err
		}
		if string(prefix) == "xml" {
			continue
		}
		b := binding{vOff: a.valOff, vLen: a.valLen, amp: a.amp}
		if len(prefix) > 0 {
			b.pOff, b.pLen = a.nameOff+a.colon+1, len(prefix)
		}
		d.ns = append(d.ns, b)
	}
	return nil
}

// attrValue returns a's value unescaped, in d.tmp if it holds references.
func (d *Decoder) attrValue(raw []byte, a *attrSpan) []byte {
	v := raw[a.valOff : a.valOff+a.valLen]
	if !a.amp {
		return v
	}
	d.tmp = appendUnescaped(d.tmp[:0], v, true)
	return d.tmp
}

// resolve finds the namespace bound to prefix (empty: the default
// namespace), innermost declaration first, then the stream header. It
// returns the URI only when want is set, so that checking a prefix costs no
// allocation. A binding found on the header is recorded on the Element,
// which must declare it again when it is forwarded.
func (d *Decoder) resolve(prefix []byte, want bool) (string, bool) {
	raw := d.buf[d.start:]
	for i := len(d.ns) - 1; i >= 0; i-- {
		b := &d.ns[i]
		if b.pLen != len(prefix) || !bytes.Equal(raw[b.pOff:b.pOff+b.pLen], prefix) {
			continue
		}
		if !want {
			return "", true
		}
		v := raw[b.vOff : b.vOff+b.vLen]
		if b.amp {
			d.tmp = appendUnescaped(d.tmp[:0], v, true)
			v = d.tmp
		}
		return d.atom(v), true
	}
	if len(prefix) == 0 {
		d.elem.inheritNS("", d.hdr.def)
		return d.hdr.def, true
	}
	if string(prefix) == "xml" {
		return NSXML, true
	}
	for _, x := range d.hdr.decls {
		if x.prefix == string(prefix) {
			d.elem.inheritNS(x.prefix, x.uri)
			return x.uri, true
		}
	}
	return "", false
}

// checkAttrPrefixes checks that every prefixed attribute of the start tag
// being closed is declared and that no two have the same expanded name.
func (d *Decoder) checkAttrPrefixes() error {
	raw := d.buf[d.start:]
	prefixed := 0
	for i := range d.attrs {
		a := &d.attrs[i]
		if a.colon < 0 {
			continue
		}
		prefix := raw[a.nameOff : a.nameOff+a.colon]
		if string(prefix) == "xmlns" {
			continue
		}
		if _, ok := d.resolve(prefix, false); !ok {
			return errNotWellFormed("undeclared namespace prefix")
		}
		prefixed++
	}
	if prefixed < 2 {
		return nil
	}
	return checkExpandedNames(raw, d.attrs, func(prefix []byte) string {
		uri, _ := d.resolve(prefix, true)
		return uri
	})
}

// checkExpandedNames refuses two prefixed attributes whose different
// prefixes are bound to the same namespace and whose local names are equal.
func checkExpandedNames(raw []byte, attrs []attrSpan, uri func([]byte) string) error {
	for i := range attrs {
		a := &attrs[i]
		if a.colon < 0 {
			continue
		}
		for j := i + 1; j < len(attrs); j++ {
			b := &attrs[j]
			if b.colon < 0 {
				continue
			}
			aName, bName := raw[a.nameOff:a.nameOff+a.nameLen], raw[b.nameOff:b.nameOff+b.nameLen]
			aPrefix, bPrefix := aName[:a.colon], bName[:b.colon]
			if string(aPrefix) == "xmlns" || string(bPrefix) == "xmlns" {
				continue
			}
			if !bytes.Equal(aName[a.colon+1:], bName[b.colon+1:]) {
				continue
			}
			if uri(aPrefix) == uri(bPrefix) {
				return errNotWellFormed("duplicate attribute")
			}
		}
	}
	return nil
}

// atom returns b as a string, shared with earlier calls for the same bytes
// so that the names and namespaces seen on every stanza are not allocated.
// The common ones are constants; a decoder keeps the others it meets, in
// a map made only then, so that an idle session holds none.
func (d *Decoder) atom(b []byte) string {
	if s, ok := wellKnownAtom(b); ok {
		return s
	}
	if s, ok := d.atoms[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.atoms == nil {
		d.atoms = make(map[string]string)
	}
	if len(d.atoms) < maxAtoms {
		d.atoms[s] = s
	}
	return s
}

// wellKnownAtom returns the constant for the element names and namespaces
// that nearly every session uses. The switch compares without converting
// b to a string on the heap.
func wellKnownAtom(b []byte) (string, bool) {
	switch string(b) {
	case "message":
		return "message", true
	case "presence":
		return "presence", true
	case "iq":
		return "iq", true
	case "query":
		return "query", true
	case NSClient:
		return NSClient, true
	case NSStream:
		return NSStream, true
	case "urn:ietf:params:xml:ns:xmpp-tls":
		return "urn:ietf:params:xml:ns:xmpp-tls", true
	case "urn:ietf:params:xml:ns:xmpp-sasl":
		return "urn:ietf:params:xml:ns:xmpp-sasl", true
	case "urn:ietf:params:xml:ns:xmpp-bind":
		return "urn:ietf:params:xml:ns:xmpp-bind", true
	case "urn:ietf:params:xml:ns:xmpp-session":
		return "urn:ietf:params:xml:ns:xmpp-session", true
	case "jabber:iq:roster":
		return "jabber:iq:roster", true
	case "urn:xmpp:ping":
		return "urn:xmpp:ping", true
	case "urn:xmpp:sm:3":
		return "urn:xmpp:sm:3", true
	case "urn:xmpp:csi:0":
		return "urn:xmpp:csi:0", true
	case "urn:xmpp:carbons:2":
		return "urn:xmpp:carbons:2", true
	case "urn:xmpp:mam:2":
		return "urn:xmpp:mam:2", true
	case "http://jabber.org/protocol/disco#info":
		return "http://jabber.org/protocol/disco#info", true
	case "http://jabber.org/protocol/disco#items":
		return "http://jabber.org/protocol/disco#items", true
	case "http://jabber.org/protocol/pubsub":
		return "http://jabber.org/protocol/pubsub", true
	case "vcard-temp":
		return "vcard-temp", true
	case "stream":
		return "stream", true
	case "starttls":
		return "starttls", true
	case "auth":
		return "auth", true
	case "response":
		return "response", true
	case "bind":
		return "bind", true
	case "session":
		return "session", true
	case "enable":
		return "enable", true
	case "r":
		return "r", true
	case "a":
		return "a", true
	case "ping":
		return "ping", true
	case "body":
		return "body", true
	case "show":
		return "show", true
	case "status":
		return "status", true
	case "priority":
		return "priority", true
	case "c":
		return "c", true
	case "active":
		return "active", true
	case "inactive":
		return "inactive", true
	case "pubsub":
		return "pubsub", true
	case "vCard":
		return "vCard", true
	case "http://jabber.org/protocol/caps":
		return "http://jabber.org/protocol/caps", true
	}
	return "", false
}
