package client

import (
	"bytes"
	"context"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Steps are the optional parts of a login.
type Steps struct {
	Roster     bool // get the roster (RFC 6121 §2.1.3), as clients do before presence
	KeepRoster bool // keep the roster result's bytes in Conn.Roster
	Presence   bool // send initial presence
}

// Login connects and runs a full client login: TLS, SASL, bind, the legacy
// session when the server requires it, and the steps asked for. A roster
// get the server refuses does not fail the login (a server may not have
// rosters); it is left in RosterErr.
func Login(ctx context.Context, o *Options, a *Account, s Steps) (*Conn, error) {
	c, err := dial(ctx, o)
	if err != nil {
		return nil, err
	}
	c.opts = o
	if err := c.login(a, s); err != nil {
		c.Abort()
		return nil, err
	}
	c.ClearDeadline()
	return c, nil
}

func (c *Conn) login(a *Account, s Steps) error {
	f, err := c.openStream()
	if err != nil {
		return err
	}
	if !c.opts.DirectTLS {
		if f, err = c.startTLS(f); err != nil {
			return err
		}
	}
	if f, err = c.authenticate(f, a); err != nil {
		return err
	}
	if err := c.bind(f); err != nil {
		return err
	}
	if f.sessionRequired {
		if _, err := c.request("s1", "legacy session", "<iq type='set' id='s1'><session xmlns='"+stream.NSSession+"'/></iq>"); err != nil {
			return err
		}
	}
	if s.Roster {
		el, err := c.request("r1", "roster get", "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
		switch {
		case err != nil && !isStanzaError(err):
			return err
		case err != nil:
			c.RosterErr = err
		case s.KeepRoster:
			c.Roster = bytes.Clone(el.Raw)
		}
	}
	if s.Presence {
		return c.Write([]byte("<presence/>"))
	}
	return nil
}

func isStanzaError(err error) bool {
	_, ok := err.(*StanzaError)
	return ok
}

// bind binds the configured resource (RFC 6120 §7) and keeps the JID.
func (c *Conn) bind(f features) error {
	if !f.bind {
		return fmt.Errorf("protocol: the server offers no resource binding")
	}
	req := "<iq type='set' id='b1'><bind xmlns='" + stream.NSBind + "'/></iq>"
	if r := c.opts.Resource; r != "" {
		req = "<iq type='set' id='b1'><bind xmlns='" + stream.NSBind + "'><resource>" +
			string(stream.AppendEscapedText(nil, r)) + "</resource></bind></iq>"
	}
	el, err := c.request("b1", "bind", req)
	if err != nil {
		return err
	}
	raw := el.Raw
	if i := bytes.Index(raw, []byte("<jid>")); i >= 0 {
		raw = raw[i+len("<jid>"):]
		if j := bytes.IndexByte(raw, '<'); j >= 0 {
			c.JID = string(raw[:j])
		}
	}
	return nil
}

// request sends an IQ and waits for the answer with the same id; an error
// answer becomes *StanzaError. Anything else that arrives meanwhile
// (presence, messages) is dropped: nobody waits for it during a login.
func (c *Conn) request(id, what, iq string) (*stream.Element, error) {
	if err := c.Write([]byte(iq)); err != nil {
		return nil, err
	}
	for {
		el, err := c.Next()
		if err != nil {
			return nil, err
		}
		if el.Name.Local != "iq" || string(el.AttrBytes("id")) != id {
			continue
		}
		if string(el.AttrBytes("type")) == "error" {
			return nil, &StanzaError{What: what, Condition: stanzaCondition(el.Raw)}
		}
		return el, nil
	}
}
