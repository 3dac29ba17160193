package stream

// Namespaces used by the core streams.
const (
	NSStream       = "http://etherx.jabber.org/streams"
	NSClient       = "jabber:client"
	NSStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
	NSStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas"
	NSTLS          = "urn:ietf:params:xml:ns:xmpp-tls"
	NSSASL         = "urn:ietf:params:xml:ns:xmpp-sasl"
	NSBind         = "urn:ietf:params:xml:ns:xmpp-bind"
	NSSession      = "urn:ietf:params:xml:ns:xmpp-session"
	NSXML          = "http://www.w3.org/XML/1998/namespace"

	// nsXMLNS is the namespace of xmlns attributes; nothing may bind it.
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

// Name is an element name with its namespace resolved.
type Name struct {
	Space string // namespace URI, "" when in no namespace
	Local string
}

// Limits bound what one peer can make the Decoder hold in memory.
type Limits struct {
	MaxStanzaBytes int // bytes of one top-level element, start tag to end tag; 0 = default 262144
	MaxDepth       int // element nesting inside a stanza, stanza itself is depth 1; 0 = default 64
	MaxAttrs       int // attributes (incl. xmlns decls) on one element; 0 = default 64
	MaxHeaderBytes int // bytes of the XML declaration + stream header; 0 = default 4096
}

// Defaults used for zero fields of Limits.
const (
	DefaultMaxStanzaBytes = 262144
	DefaultMaxDepth       = 64
	DefaultMaxAttrs       = 64
	DefaultMaxHeaderBytes = 4096
)

func (l Limits) withDefaults() Limits {
	if l.MaxStanzaBytes <= 0 {
		l.MaxStanzaBytes = DefaultMaxStanzaBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}
