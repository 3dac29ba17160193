package c2s

import (
	"errors"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// bind handles resource binding (RFC 6120 §7).
func (c *Conn) bind(el *stream.Element) error {
	if el.Attr("type") != "set" {
		return c.bindError(el, stanza.Errorf(stanza.BadRequest, "bind must be an IQ set"))
	}
	resource, err := requestedResource(el)
	if err != nil {
		return c.bindError(el, stanza.Errorf(stanza.BadRequest, "malformed bind request"))
	}
	sess, serr := c.bindResource(resource)
	if serr != nil {
		return c.bindError(el, serr)
	}
	b := append(c.buf[:0], "<bind xmlns='"+stream.NSBind+"'><jid>"...)
	b = stream.AppendEscapedText(b, sess.Full)
	b = append(b, "</jid></bind>"...)
	payload := string(b)
	c.buf = appendResult(c.buf[:0], el, "", sess.Full, payload)
	return c.send(c.buf)
}

// bindResource binds the authenticated user to resource ("" lets the
// server choose), replacing a session already on that full JID.
func (c *Conn) bindResource(resource string) (*session.Session, *stanza.Error) {
	if resource == "" {
		resource = "sb-" + randomID(6)
	}
	j, err := jidprep.New(c.username, c.domain, resource)
	if err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, "the resource is not valid")
	}
	ep := newEndpoint(c.srv, c)
	sess := session.New(c.id, j, ep)
	sess.Secure.Store(c.state&stateSecure != 0)
	sess.SetRemote(c.raw.RemoteAddr().String())
	ep.sess = sess
	replaced, err := c.srv.sessions.Add(sess, c.srv.cfg.MaxResources)
	if errors.Is(err, session.ErrTooManyResources) {
		return nil, &stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "too many sessions for this account"}
	}
	if replaced != nil {
		c.log.Debug("resource conflict: replacing the older session", "jid", j.String())
		replaced.Sink.Close(stream.NewError("conflict", "replaced by a new session on the same resource"))
	}
	c.sess = sess
	c.ep = ep
	c.state |= stateBound
	c.log = c.log.With("jid", sess.Full)
	c.log.Debug("resource bound")
	if ext := c.srv.cfg.Extensions; ext != nil {
		ext.SessionBound(sess)
	}
	return sess, nil
}

func (c *Conn) bindError(el *stream.Element, e *stanza.Error) error {
	c.buf = router.AppendError(c.buf[:0], el, "", "", e)
	return c.send(c.buf)
}

// requestedResource returns the <resource/> the client asked for, if any.
func requestedResource(el *stream.Element) (string, error) {
	dom, err := el.DOM()
	if err != nil {
		return "", err
	}
	b := dom.SelectElement("bind")
	if b == nil {
		return "", errors.New("no bind element")
	}
	r := b.SelectElement("resource")
	if r == nil {
		return "", nil
	}
	return r.Text(), nil
}
