package client

import (
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/xdg-go/scram"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Account is one user's credentials. It keeps the user's SCRAM client,
// which caches the keys derived from the password and the server's salt,
// so that only the first login of a run pays for PBKDF2 on the client side.
// An Account is used by one connection at a time.
type Account struct {
	User, Password string

	scram     *scram.Client
	scramMech string
}

// NewAccount returns the credentials of user (the local part).
func NewAccount(user, password string) *Account {
	return &Account{User: user, Password: password}
}

func (a *Account) scramClient(mech string) (*scram.Client, error) {
	if a.scram != nil && a.scramMech == mech {
		return a.scram, nil
	}
	hash := scram.SHA256
	if mech == "SCRAM-SHA-1" {
		hash = scram.SHA1
	}
	cl, err := hash.NewClient(a.User, a.Password, "")
	if err != nil {
		return nil, fmt.Errorf("preparing SCRAM credentials for %s: %w", a.User, err)
	}
	a.scram, a.scramMech = cl, mech
	return cl, nil
}

// Mechanisms the client speaks.
var Mechanisms = []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}

// authenticate runs SASL (RFC 6120 §6) with the configured mechanism and
// opens the authenticated stream.
func (c *Conn) authenticate(f features, a *Account) (features, error) {
	mech := c.opts.Mechanism
	if !slices.Contains(f.mechanisms, mech) {
		return f, fmt.Errorf("auth failed: the server does not offer %s (it offers %v)", mech, f.mechanisms)
	}
	var err error
	if mech == "PLAIN" {
		err = c.authPlain(a)
	} else {
		err = c.authSCRAM(mech, a)
	}
	if err != nil {
		return f, err
	}
	c.dec.Restart()
	return c.openStream()
}

func (c *Conn) authPlain(a *Account) error {
	msg := make([]byte, 0, 2+len(a.User)+len(a.Password))
	msg = append(append(append(msg, 0), a.User...), 0)
	msg = append(msg, a.Password...)
	if err := c.sendAuth("<auth xmlns='"+stream.NSSASL+"' mechanism='PLAIN'>", msg, "</auth>"); err != nil {
		return err
	}
	_, err := c.saslStep("success")
	return err
}

func (c *Conn) authSCRAM(mech string, a *Account) error {
	cl, err := a.scramClient(mech)
	if err != nil {
		return err
	}
	conv := cl.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		return fmt.Errorf("auth failed: SCRAM: %w", err)
	}
	if err := c.sendAuth("<auth xmlns='"+stream.NSSASL+"' mechanism='"+mech+"'>", []byte(first), "</auth>"); err != nil {
		return err
	}
	challenge, err := c.saslStep("challenge")
	if err != nil {
		return err
	}
	final, err := conv.Step(string(challenge))
	if err != nil {
		return fmt.Errorf("auth failed: SCRAM: %w", err)
	}
	if err := c.sendAuth("<response xmlns='"+stream.NSSASL+"'>", []byte(final), "</response>"); err != nil {
		return err
	}
	verifier, err := c.saslStep("success")
	if err != nil {
		return err
	}
	if _, err := conv.Step(string(verifier)); err != nil {
		return fmt.Errorf("auth failed: verifying the server's SCRAM signature: %w", err)
	}
	return nil
}

func (c *Conn) sendAuth(open string, payload []byte, end string) error {
	b := append(c.wbuf[:0], open...)
	b = base64.StdEncoding.AppendEncode(b, payload)
	b = append(b, end...)
	c.wbuf = b
	return c.Write(b)
}

// saslStep reads the next SASL element, expecting want, and returns its
// decoded payload.
func (c *Conn) saslStep(want string) ([]byte, error) {
	el, err := c.Next()
	if err != nil {
		return nil, err
	}
	switch {
	case el.Name.Space != stream.NSSASL:
		return nil, fmt.Errorf("protocol: expected SASL <%s/>, got <%s/>", want, el.Name.Local)
	case el.Name.Local == "failure":
		return nil, &AuthError{Condition: el.Child.Local}
	case el.Name.Local != want:
		return nil, fmt.Errorf("protocol: expected SASL <%s/>, got <%s/>", want, el.Name.Local)
	}
	text := el.Text()
	if text == "=" {
		text = ""
	}
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("protocol: SASL <%s/> is not base64: %w", want, err)
	}
	return data, nil
}
