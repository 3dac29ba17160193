package c2s

import (
	"errors"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// bind2Request is an XEP-0386 <bind/> inside <authenticate/>.
type bind2Request struct {
	tag      string
	carbons  bool // XEP-0280
	sm       bool // XEP-0198 <enable/>
	resume   bool // ... with resume='true'
	inactive bool // XEP-0352
}

// maxTagBytes bounds a Bind2 tag, which names the client software: the
// resource is the tag and a part the server makes, and resources are
// 1023 bytes at most (RFC 7622 §3.4).
const maxTagBytes = 64

func (c *Conn) parseBind2(el *etree.Element) (*bind2Request, error) {
	b := &bind2Request{}
	for _, ch := range el.ChildElements() {
		switch name := (stream.Name{Space: ch.NamespaceURI(), Local: ch.Tag}); name {
		case stream.Name{Space: nsBind2, Local: "tag"}:
			b.tag = ch.Text()
			if b.tag == "" || len(b.tag) > maxTagBytes {
				return nil, errors.New("a Bind2 tag is 1 to 64 bytes")
			}
			if _, err := jidprep.New("", c.srv.cfg.Domain, b.tag+".0"); err != nil {
				return nil, errors.New("the Bind2 tag cannot start a resource")
			}
		case stream.Name{Space: nsCarbons, Local: "enable"}:
			if !c.srv.carbonsOffered() {
				return nil, errors.New("carbons are not offered")
			}
			b.carbons = true
		case stream.Name{Space: nsSM, Local: "enable"}:
			r := ch.SelectAttrValue("resume", "")
			b.sm, b.resume = true, r == "true" || r == "1"
		case stream.Name{Space: nsCSI, Local: "inactive"}:
			b.inactive = true
		case stream.Name{Space: nsCSI, Local: "active"}:
			// Active is how a session starts.
		default:
			return nil, errors.New("unexpected <" + ch.Tag + " xmlns='" + ch.NamespaceURI() + "'/> in bind")
		}
	}
	return b, nil
}

// bind2 binds a resource made of the client's tag and a random part
// (XEP-0386 §3), enables what the client asked for inline, and has
// finish send the <success/> carrying the <bound/>. A resource the
// account has no room for fails the authentication, which the client
// may try again later.
func (c *Conn) bind2(b *bind2Request, finish func(bound []byte) error) error {
	resource := ""
	if b.tag != "" {
		resource = b.tag + "." + randomID(6)
	}
	if _, serr := c.bindResource(resource); serr != nil {
		c.state &^= stateAuthenticated
		c.username = ""
		return c.saslFail(&sasl.Failure{Condition: sasl.TemporaryAuthFailure, Text: serr.Text})
	}
	if b.carbons {
		c.sess.Carbons.Store(true)
	}
	e := c.ep
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inactive = b.inactive
	bound := []byte("<bound xmlns='" + nsBind2 + "'")
	if !b.sm {
		return finish(append(bound, "/>"...))
	}
	bound = append(bound, '>')
	bound = append(bound, c.startSM(b.resume)...)
	// Sent under the endpoint's lock, as enableSM does.
	return finish(append(bound, "</bound>"...))
}
