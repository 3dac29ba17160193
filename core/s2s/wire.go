package s2s

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// appendHeader appends the XML declaration and a jabber:server stream
// header, with the dialback prefix declared (XEP-0220 §2.1). An empty id
// or to is left out.
func appendHeader(dst []byte, from, to, id string) []byte {
	dst = append(dst, "<?xml version='1.0'?><stream:stream xmlns='"+NS+"' xmlns:stream='"+stream.NSStream+"' xmlns:db='"+NSDialback+"' version='1.0'"...)
	for _, a := range [...]struct{ name, value string }{{"from", from}, {"to", to}, {"id", id}} {
		if a.value == "" {
			continue
		}
		dst = append(dst, ' ')
		dst = append(dst, a.name...)
		dst = append(dst, "='"...)
		dst = stream.AppendEscapedAttr(dst, a.value)
		dst = append(dst, '\'')
	}
	return append(dst, '>')
}

// features is what a peer's <stream:features/> offers.
type features struct {
	startTLS, tlsRequired bool
	external              bool // SASL EXTERNAL among the mechanisms
	dialback              bool
	bidi                  bool // XEP-0288 offered
}

func parseFeatures(el *stream.Element) (features, error) {
	var f features
	dom, err := el.DOM()
	if err != nil {
		return f, err
	}
	for _, c := range dom.ChildElements() {
		switch {
		case c.Tag == "starttls" && c.NamespaceURI() == stream.NSTLS:
			f.startTLS = true
			f.tlsRequired = c.SelectElement("required") != nil
		case c.Tag == "mechanisms" && c.NamespaceURI() == stream.NSSASL:
			for _, m := range c.SelectElements("mechanism") {
				f.external = f.external || m.Text() == "EXTERNAL"
			}
		case c.Tag == "dialback" && c.NamespaceURI() == NSDialbackFeature:
			f.dialback = true
		case c.Tag == "bidi" && c.NamespaceURI() == NSBidiFeature:
			f.bidi = true
		}
	}
	return f, nil
}

// toClient turns a stanza of a jabber:server stream into one of the
// client namespace, which is what the router and every other stream
// carry.
func toClient(el *stream.Element, lim stream.Limits) (*stream.Element, error) {
	raw := el.Append(nil)
	raw = bytes.Replace(raw, []byte(" xmlns='"+NS+"'"), nil, 1)
	raw = bytes.Replace(raw, []byte(` xmlns="`+NS+`"`), nil, 1)
	return stream.ParseElement(raw, lim)
}

// dialbackElement builds <db:NAME/> with the dialback namespace declared
// on it, so that it stands alone in any stream.
func dialbackElement(name string, attrs [][2]string, text string) []byte {
	el := etree.NewElement("db:" + name)
	el.CreateAttr("xmlns:db", NSDialback)
	for _, a := range attrs {
		if a[1] != "" {
			el.CreateAttr(a[0], a[1])
		}
	}
	if text != "" {
		el.SetText(text)
	}
	var b bytes.Buffer
	el.WriteTo(&b, &etree.WriteSettings{})
	return b.Bytes()
}

func randomID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
