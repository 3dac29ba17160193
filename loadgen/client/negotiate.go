package client

import (
	"bytes"
	"crypto/tls"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// features is what a <stream:features/> offered, read from its bytes.
type features struct {
	startTLS        bool
	mechanisms      []string
	bind            bool
	sessionRequired bool // legacy session offered without <optional/>
}

// parseFeatures looks at the raw bytes rather than building a tree: the
// features of every login pass through here, and servers write them in
// the one obvious way (children in their own default namespace).
func parseFeatures(raw []byte) features {
	var f features
	f.startTLS = hasNamespace(raw, stream.NSTLS)
	f.bind = hasNamespace(raw, stream.NSBind)
	if i := namespaceIndex(raw, stream.NSSession); i >= 0 {
		f.sessionRequired = sessionRequired(raw[i:])
	}
	rest := raw
	for {
		i := bytes.Index(rest, []byte("<mechanism>"))
		if i < 0 {
			break
		}
		rest = rest[i+len("<mechanism>"):]
		j := bytes.Index(rest, []byte("</mechanism>"))
		if j < 0 {
			break
		}
		f.mechanisms = append(f.mechanisms, string(bytes.TrimSpace(rest[:j])))
		rest = rest[j:]
	}
	return f
}

func namespaceIndex(raw []byte, ns string) int {
	for _, q := range []string{"'", `"`} {
		if i := bytes.Index(raw, []byte(q+ns+q)); i >= 0 {
			return i
		}
	}
	return -1
}

func hasNamespace(raw []byte, ns string) bool { return namespaceIndex(raw, ns) >= 0 }

// sessionRequired reads the <session/> element that starts just before
// rest: RFC 3921 servers offer it empty (required), RFC 6121 ones mark it
// <optional/>.
func sessionRequired(rest []byte) bool {
	gt := bytes.IndexByte(rest, '>')
	if gt < 0 || rest[gt-1] == '/' {
		return gt >= 0
	}
	end := bytes.Index(rest, []byte("session>"))
	if end < 0 {
		return true
	}
	return !bytes.Contains(rest[gt:end], []byte("<optional"))
}

// openStream sends a stream header and reads the server's header and
// features.
func (c *Conn) openStream() (features, error) {
	c.wbuf = append(c.wbuf[:0], "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='"...)
	c.wbuf = stream.AppendEscapedAttr(c.wbuf, c.opts.Domain)
	c.wbuf = append(c.wbuf, "' version='1.0' xml:lang='en'>"...)
	if err := c.Write(c.wbuf); err != nil {
		return features{}, err
	}
	if _, err := c.dec.ReadHeader(); err != nil {
		return features{}, c.readErr(err)
	}
	el, err := c.Next()
	if err != nil {
		return features{}, err
	}
	if el.Name.Local != "features" || el.Name.Space != stream.NSStream {
		return features{}, fmt.Errorf("protocol: expected stream features, got <%s/>", el.Name.Local)
	}
	return parseFeatures(el.Raw), nil
}

// startTLS runs STARTTLS (RFC 6120 §5) and opens the encrypted stream.
func (c *Conn) startTLS(f features) (features, error) {
	if !f.startTLS {
		return f, fmt.Errorf("protocol: the server does not offer STARTTLS (use --tls for direct TLS)")
	}
	if err := c.Write([]byte("<starttls xmlns='" + stream.NSTLS + "'/>")); err != nil {
		return f, err
	}
	el, err := c.Next()
	if err != nil {
		return f, err
	}
	if el.Name.Local != "proceed" {
		return f, fmt.Errorf("protocol: STARTTLS refused with <%s/>", el.Name.Local)
	}
	tc := tls.Client(c.nc, c.opts.tlsConfig())
	if err := tc.Handshake(); err != nil {
		return f, fmt.Errorf("disconnected: TLS handshake: %w", err)
	}
	c.nc = tc
	c.dec.Reset(tc)
	return c.openStream()
}

// isRequest reports whether an IQ is a get or set, which the client must
// answer.
func isRequest(el *stream.Element) bool {
	t := el.AttrBytes("type")
	return string(t) == "get" || string(t) == "set"
}

// answer replies to an IQ request from the server: a ping (XEP-0199) and a
// roster push (RFC 6121 §2.1.6) get an empty result, anything else
// service-unavailable, as RFC 6120 §8.4 asks of a client that does not
// understand the payload.
func (c *Conn) answer(el *stream.Element) error {
	ok := el.Child == stream.Name{Space: "urn:xmpp:ping", Local: "ping"} ||
		el.Child == stream.Name{Space: "jabber:iq:roster", Local: "query"} && string(el.AttrBytes("type")) == "set"
	b := append(c.reply[:0], "<iq type='"...)
	if ok {
		b = append(b, "result"...)
	} else {
		b = append(b, "error"...)
	}
	b = append(b, "' id='"...)
	b = stream.AppendEscapedAttr(b, el.Attr("id"))
	if from := el.Attr("from"); from != "" {
		b = append(b, "' to='"...)
		b = stream.AppendEscapedAttr(b, from)
	}
	if ok {
		b = append(b, "'/>"...)
	} else {
		b = append(b, "'><error type='cancel'><service-unavailable xmlns='"+stream.NSStanzaErrors+"'/></error></iq>"...)
	}
	c.reply = b
	return c.Write(b)
}
