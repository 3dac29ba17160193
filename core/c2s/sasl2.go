package c2s

import (
	"context"
	"encoding/base64"
	"strconv"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// XEP-0388 Extensible SASL Profile, and what it carries inline.
const (
	nsSASL2   = "urn:xmpp:sasl:2"
	nsBind2   = "urn:xmpp:bind:0"    // XEP-0386
	nsFAST    = "urn:xmpp:fast:0"    // XEP-0484
	nsCarbons = "urn:xmpp:carbons:2" // XEP-0280, enabled inline by Bind2
)

// sasl2Request is what an <authenticate/> asks for besides authentication.
type sasl2Request struct {
	userAgent string
	bind      *bind2Request
	resume    *smResume
	// requestToken is the FAST mechanism of a token to issue, "" for none.
	requestToken string
	count        uint64 // XEP-0484 replay counter, 0 if not sent
	invalidate   bool   // forget this user agent's token
}

// smResume is an XEP-0198 <resume/> sent inline.
type smResume struct{ previd, h string }

// handleSASL2 runs XEP-0388 for <authenticate/>, <response/> and <abort/>.
func (c *Conn) handleSASL2(ctx context.Context, el *stream.Element) error {
	if c.state&stateAuthenticated != 0 {
		return stream.NewError("policy-violation", "the stream is already authenticated")
	}
	c.sasl2 = true
	switch el.Name.Local {
	case "authenticate":
		return c.sasl2Authenticate(ctx, el)
	case "response":
		if c.exchange == nil || c.exchange.v2 == nil {
			c.exchange = nil
			return c.saslFail(&sasl.Failure{Condition: sasl.MalformedRequest, Text: "no authentication in progress"})
		}
		return c.saslStep(ctx, el.Text())
	case "abort":
		c.exchange = nil
		return c.saslFail(&sasl.Failure{Condition: sasl.Aborted})
	}
	return stream.NewError("unsupported-stanza-type", "unknown SASL2 element "+el.Name.Local)
}

func (c *Conn) sasl2Authenticate(ctx context.Context, el *stream.Element) error {
	c.exchange = nil
	if !c.saslAllowed() {
		return c.saslFail(&sasl.Failure{Condition: sasl.EncryptionRequired, Text: "use STARTTLS first"})
	}
	dom, err := el.DOM()
	if err != nil {
		return stream.NewError("bad-format", "unreadable authenticate element")
	}
	req, initial, f := c.parseAuthenticate(dom)
	if f != nil {
		return c.saslFail(f)
	}
	ex := c.startExchange(el.Attr("mechanism"), req)
	if ex == nil {
		return c.saslFail(&sasl.Failure{Condition: sasl.InvalidMechanism, Text: "mechanism not offered"})
	}
	if ex.ht != nil && req.userAgent == "" {
		return c.saslFail(&sasl.Failure{Condition: sasl.MalformedRequest, Text: "a FAST token belongs to a user agent: send <user-agent id='…'/>"})
	}
	c.exchange = ex
	return c.saslStep(ctx, initial)
}

// startExchange begins the named mechanism: a password mechanism offered
// in <authentication/>, or a FAST one offered in <fast/>.
func (c *Conn) startExchange(name string, req *sasl2Request) *saslExchange {
	cs := c.negotiationState()
	for _, m := range c.mechanisms() {
		if m.Name() == name {
			return &saslExchange{name: name, neg: m.Start(cs, c.srv.cfg.Credentials(c.domain)), v2: req}
		}
	}
	for _, m := range c.fastMechanisms() {
		if m.Name() == name {
			ht := m.Start(cs, agentTokens{store: c.srv.cfg.Tokens, agent: req.userAgent, count: req.count})
			return &saslExchange{name: name, neg: ht, ht: ht, v2: req}
		}
	}
	return nil
}

// parseAuthenticate reads what <authenticate/> asks for; initial is the
// base64 initial response, "" when there is none.
func (c *Conn) parseAuthenticate(dom *etree.Element) (req *sasl2Request, initial string, f *sasl.Failure) {
	req = &sasl2Request{}
	malformed := func(text string) *sasl.Failure {
		return &sasl.Failure{Condition: sasl.MalformedRequest, Text: text}
	}
	for _, ch := range dom.ChildElements() {
		switch name := (stream.Name{Space: ch.NamespaceURI(), Local: ch.Tag}); name {
		case stream.Name{Space: nsSASL2, Local: "initial-response"}:
			// An empty initial response is "=" (RFC 6120 §6.4.2), as the
			// <auth/> of SASL is.
			initial = ch.Text()
			if initial == "" {
				return nil, "", malformed("an empty initial response is written '='")
			}
		case stream.Name{Space: nsSASL2, Local: "user-agent"}:
			// The id is optional (XEP-0388 §2.3); FAST needs it.
			req.userAgent = ch.SelectAttrValue("id", "")
		case stream.Name{Space: nsBind2, Local: "bind"}:
			b, err := c.parseBind2(ch)
			if err != nil {
				return nil, "", malformed(err.Error())
			}
			req.bind = b
		case stream.Name{Space: nsSM, Local: "resume"}:
			if c.srv.cfg.ResumeTimeout <= 0 {
				return nil, "", malformed("stream resumption is not offered")
			}
			req.resume = &smResume{previd: ch.SelectAttrValue("previd", ""), h: ch.SelectAttrValue("h", "")}
		case stream.Name{Space: nsFAST, Local: "request-token"}:
			if !c.fastOffered(ch.SelectAttrValue("mechanism", "")) {
				return nil, "", malformed("request-token names no FAST mechanism offered on this connection")
			}
			req.requestToken = ch.SelectAttrValue("mechanism", "")
		case stream.Name{Space: nsFAST, Local: "fast"}:
			if c.srv.cfg.Tokens == nil {
				return nil, "", malformed("FAST is not offered")
			}
			if v := ch.SelectAttr("count"); v != nil {
				n, err := strconv.ParseUint(v.Value, 10, 64)
				if err != nil || n == 0 {
					return nil, "", malformed("count must be a positive integer")
				}
				req.count = n
			}
			inv := ch.SelectAttrValue("invalidate", "")
			req.invalidate = inv == "true" || inv == "1"
		default:
			return nil, "", malformed("unexpected <" + ch.Tag + " xmlns='" + ch.NamespaceURI() + "'/> in authenticate")
		}
	}
	if (req.requestToken != "" || req.invalidate) && req.userAgent == "" {
		return nil, "", malformed("a FAST token belongs to a user agent: send <user-agent id='…'/>")
	}
	return req, initial, nil
}

// sasl2Success finishes a successful XEP-0388 authentication: what the
// client asked for inline is done, the outcome reported in <success/>,
// and the stream goes on without a restart, with the features of the
// authenticated stream sent at once, as a restart would have.
func (c *Conn) sasl2Success(ctx context.Context, ex *saslExchange, additional []byte) error {
	req := ex.v2
	token := c.fastOutcome(ctx, ex)
	head := []byte("<success xmlns='" + nsSASL2 + "'>")
	if len(additional) > 0 {
		head = append(head, "<additional-data>"...)
		head = appendBase64(head, additional)
		head = append(head, "</additional-data>"...)
	}
	finish := func(inline []byte, jid string) error {
		b := append(head, "<authorization-identifier>"...)
		b = stream.AppendEscapedText(b, jid)
		b = append(b, "</authorization-identifier>"...)
		b = append(b, inline...)
		b = append(b, token...)
		b = append(b, "</success>"...)
		return c.send(c.appendFeatures(b))
	}
	c.setLimits(c.srv.cfg.Limits)
	if req.resume == nil {
		return c.bindInline(req.bind, nil, finish)
	}
	return c.resume(req.resume.previd, req.resume.h, func(answer []byte, resumed bool) error {
		if resumed {
			return finish(answer, c.sess.Full)
		}
		return c.bindInline(req.bind, answer, finish)
	})
}

// bindInline binds with Bind2 if the client asked for it, and sends
// <success/> with before and the outcome; without Bind2 the client binds
// later on this stream.
func (c *Conn) bindInline(b *bind2Request, before []byte, finish func(inline []byte, jid string) error) error {
	if b == nil {
		return finish(before, c.username+"@"+c.srv.cfg.Domain)
	}
	return c.bind2(b, func(bound []byte) error {
		return finish(append(before, bound...), c.sess.Full)
	})
}

func appendBase64(dst, data []byte) []byte {
	if len(data) == 0 {
		return append(dst, '=')
	}
	return base64.StdEncoding.AppendEncode(dst, data)
}
