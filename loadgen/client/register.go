package client

import (
	"context"
	"errors"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// ErrExists is returned by Register when the account is already there.
var ErrExists = errors.New("account exists")

// Register creates an account by in-band registration (XEP-0077) on a
// server that allows it: TLS, then one registration set, before any
// authentication.
func Register(ctx context.Context, o *Options, a *Account) error {
	c, err := dial(ctx, o)
	if err != nil {
		return err
	}
	c.opts = o
	defer c.Logout()
	f, err := c.openStream()
	if err != nil {
		return err
	}
	if !o.DirectTLS {
		if _, err = c.startTLS(f); err != nil {
			return err
		}
	}
	b := append([]byte(nil), "<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>"...)
	b = stream.AppendEscapedText(b, a.User)
	b = append(b, "</username><password>"...)
	b = stream.AppendEscapedText(b, a.Password)
	b = append(b, "</password></query></iq>"...)
	_, err = c.request("reg1", "registration", string(b))
	var se *StanzaError
	if errors.As(err, &se) && se.Condition == "conflict" {
		return ErrExists
	}
	return err
}
