package c2s

import (
	"context"
	"errors"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// nsLegacyAuth is XEP-0078 non-SASL authentication. It is deprecated, but
// the seed's client (Psi+) and older clients look for it, so the server
// offers it where SASL PLAIN would be allowed: inside TLS, password only
// (the digest form needs the plain password, which is never stored).
const nsLegacyAuth = "jabber:iq:auth"

// legacyAuth answers jabber:iq:auth before authentication: a get returns
// the fields, a set logs in and binds the resource in one step.
func (c *Conn) legacyAuth(ctx context.Context, el *stream.Element) error {
	dom, err := el.DOM()
	if err != nil {
		return c.bindError(el, stanza.New(stanza.BadRequest))
	}
	q := dom.SelectElement("query")
	field := func(name string) string {
		if f := q.SelectElement(name); f != nil {
			return f.Text()
		}
		return ""
	}
	switch el.Attr("type") {
	case "get":
		b := append(c.buf[:0], "<query xmlns='"+nsLegacyAuth+"'><username>"...)
		b = stream.AppendEscapedText(b, field("username"))
		b = append(b, "</username><password/><resource/></query>"...)
		c.buf = appendResult(c.buf[:0], el, "", "", string(b))
		return c.send(c.buf)
	case "set":
	default:
		return c.bindError(el, stanza.New(stanza.BadRequest))
	}
	username, password, resource := field("username"), field("password"), field("resource")
	if username == "" || password == "" || resource == "" {
		return c.bindError(el, stanza.Errorf(stanza.NotAcceptable, "username, password and resource are required"))
	}
	j, err := jidprep.New(username, c.domain, resource)
	if err != nil {
		return c.bindError(el, stanza.Errorf(stanza.NotAcceptable, "not a valid username and resource"))
	}
	att, err := c.admit(ctx, j.Local)
	if err != nil {
		return c.legacyRefused(el, err)
	}
	ok, err := c.srv.cfg.Credentials(c.domain).VerifyPlain(ctx, j.Local, password)
	if err != nil {
		att.Abandon()
		c.log.Error("legacy authentication could not be checked", "error", err)
		return c.bindError(el, stanza.New(stanza.InternalServerError))
	}
	if !ok {
		if err := c.penalize(ctx, att, j.Local); err != nil {
			return err
		}
		return c.legacyFailed(el, stanza.New(stanza.NotAuthorized))
	}
	c.username = j.Local
	c.state |= stateAuthenticated
	c.tlsState = nil // only SASL (channel binding) needed it; it holds key material
	c.setLimits(c.srv.cfg.Limits)
	c.loggedIn(ctx, att)
	sess, serr := c.bindResource(j.Resource)
	if serr != nil {
		c.buf = router.AppendError(c.buf[:0], el, "", "", serr)
		return c.send(c.buf)
	}
	c.log.Debug("authenticated with jabber:iq:auth", "user", c.username)
	c.buf = appendResult(c.buf[:0], el, "", sess.Full, "")
	return c.send(c.buf)
}

// legacyRefused answers an attempt that the limiter did not let through to
// a password test (limiter.Refused).
func (c *Conn) legacyRefused(el *stream.Element, err error) error {
	var r *limiter.Refused
	if !errors.As(err, &r) {
		return err // the client left, or the server is shutting down
	}
	c.log.Debug("legacy authentication refused untested", "reason", r.Reason, "retry_after", r.RetryAfter)
	return c.legacyFailed(el, stanza.Errorf(stanza.ResourceConstraint, r.Error()))
}

// legacyFailed answers a failed attempt; too many end the stream, as for
// SASL.
func (c *Conn) legacyFailed(el *stream.Element, serr *stanza.Error) error {
	c.failures++
	if err := c.bindError(el, serr); err != nil {
		return err
	}
	if c.failures >= c.srv.cfg.MaxFailures {
		return stream.NewError("policy-violation", "too many failed authentication attempts")
	}
	return nil
}
