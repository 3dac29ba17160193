package rawxmpp

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"

	"github.com/xdg-go/scram"
)

// AuthPlain authenticates with SASL PLAIN and restarts the stream.
func (c *Client) AuthPlain(domain, user, password string) error {
	if _, err := c.Expect(Is("features")); err != nil {
		return err
	}
	return c.AuthPlainNow(domain, user, password)
}

// AuthPlainNow is AuthPlain for a client that has read the features
// already.
func (c *Client) AuthPlainNow(domain, user, password string) error {
	msg := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if err := c.Sendf("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", msg); err != nil {
		return err
	}
	return c.finishAuth(domain)
}

func (c *Client) finishAuth(domain string) error {
	el, err := c.Next()
	if err != nil {
		return err
	}
	if el.Tag != "success" {
		return fmt.Errorf("authentication failed: %s", Describe(el))
	}
	return c.OpenStream(domain)
}

// AuthSCRAM authenticates with SCRAM-SHA-256 (or -PLUS with tls-exporter or
// tls-server-end-point when plus is set) and restarts the stream.
func (c *Client) AuthSCRAM(domain, user, password string, plus bool) error {
	if _, err := c.Expect(Is("features")); err != nil {
		return err
	}
	client, err := scram.SHA256.NewClient(user, password, "")
	if err != nil {
		return err
	}
	mech := "SCRAM-SHA-256"
	conv := client.NewConversation()
	if plus {
		mech += "-PLUS"
		tc, ok := c.Conn.(*tls.Conn)
		if !ok {
			return fmt.Errorf("SCRAM-PLUS needs TLS")
		}
		cs := tc.ConnectionState()
		var cb scram.ChannelBinding
		if cs.Version == tls.VersionTLS13 {
			cb, err = scram.NewTLSExporterBinding(&cs)
		} else {
			cb, err = scram.NewTLSServerEndpointBinding(&cs)
		}
		if err != nil {
			return err
		}
		conv = client.NewConversationWithChannelBinding(cb)
	}
	return c.SCRAM(domain, mech, conv)
}

// SCRAM runs a SCRAM exchange for mech with conv, after the features have
// been read, and restarts the stream on success.
func (c *Client) SCRAM(domain, mech string, conv *scram.ClientConversation) error {
	first, err := conv.Step("")
	if err != nil {
		return err
	}
	if err := c.Sendf("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='%s'>%s</auth>", mech, base64.StdEncoding.EncodeToString([]byte(first))); err != nil {
		return err
	}
	ch, err := c.Next()
	if err != nil {
		return err
	}
	if ch.Tag != "challenge" {
		return fmt.Errorf("expected challenge, got %s", Describe(ch))
	}
	in, err := base64.StdEncoding.DecodeString(ch.Text())
	if err != nil {
		return err
	}
	final, err := conv.Step(string(in))
	if err != nil {
		return err
	}
	if err := c.Sendf("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%s</response>", base64.StdEncoding.EncodeToString([]byte(final))); err != nil {
		return err
	}
	el, err := c.Next()
	if err != nil {
		return err
	}
	if el.Tag != "success" {
		return fmt.Errorf("authentication failed: %s", Describe(el))
	}
	data, err := base64.StdEncoding.DecodeString(el.Text())
	if err != nil {
		return err
	}
	if _, err := conv.Step(string(data)); err != nil {
		return fmt.Errorf("verifying the server signature: %w", err)
	}
	return c.OpenStream(domain)
}

// Bind binds resource (empty: let the server choose) and returns the full
// JID.
func (c *Client) Bind(resource string) (string, error) {
	if _, err := c.Expect(Is("features")); err != nil {
		return "", err
	}
	return c.BindNow(resource)
}

// BindNow binds without first reading the stream features, for a client
// that has read them already.
func (c *Client) BindNow(resource string) (string, error) {
	req := "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
	if resource != "" {
		req = "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + resource + "</resource></bind>"
	}
	if err := c.Sendf("<iq type='set' id='bind1'>%s</iq>", req); err != nil {
		return "", err
	}
	el, err := c.Expect(ID("bind1"))
	if err != nil {
		return "", err
	}
	j := el.FindElement("bind/jid")
	if el.SelectAttrValue("type", "") != "result" || j == nil {
		return "", fmt.Errorf("bind failed: %s", Describe(el))
	}
	return j.Text(), nil
}

// Login runs STARTTLS, PLAIN, bind and initial presence on a new stream.
func Login(addr, domain, user, password, resource string) (*Client, string, error) {
	c, err := Dial(addr)
	if err != nil {
		return nil, "", err
	}
	full, err := c.login(domain, user, password, resource)
	if err != nil {
		c.Conn.Close()
		return nil, "", err
	}
	return c, full, nil
}

func (c *Client) login(domain, user, password, resource string) (string, error) {
	if err := c.OpenStream(domain); err != nil {
		return "", err
	}
	if err := c.StartTLS(domain); err != nil {
		return "", err
	}
	if err := c.AuthPlain(domain, user, password); err != nil {
		return "", err
	}
	full, err := c.Bind(resource)
	if err != nil {
		return "", err
	}
	return full, c.Send("<presence/>")
}
