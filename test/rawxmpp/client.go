// Package rawxmpp is a deliberately plain XMPP client for tests: it writes
// exactly the bytes a test gives it and reads the server's output with
// encoding/xml, independently of the server's own stream reader, so a test
// sees what a client on the wire would see.
package rawxmpp

import (
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Client is one raw connection.
type Client struct {
	Conn    net.Conn
	dec     *xml.Decoder
	Timeout time.Duration // per read; default 5 s
	Header  xml.StartElement
	// TLS configures UpgradeTLS; nil trusts any certificate. ServerName is
	// set from the domain.
	TLS *tls.Config
}

// Dial connects over plain TCP (for STARTTLS).
func Dial(addr string) (*Client, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return New(c), nil
}

// DialTLS connects with TLS first (XEP-0368), trusting any certificate.
func DialTLS(addr string) (*Client, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	return New(c), nil
}

// New wraps an established connection.
func New(c net.Conn) *Client {
	cl := &Client{Conn: c, Timeout: 5 * time.Second}
	cl.dec = xml.NewDecoder(c)
	return cl
}

// Send writes s as is.
func (c *Client) Send(s string) error {
	c.Conn.SetWriteDeadline(time.Now().Add(c.Timeout))
	_, err := io.WriteString(c.Conn, s)
	return err
}

// Sendf formats and writes.
func (c *Client) Sendf(format string, args ...any) error {
	return c.Send(fmt.Sprintf(format, args...))
}

// OpenStream sends a stream header for domain and reads the server's
// header.
func (c *Client) OpenStream(domain string) error {
	if err := c.Sendf("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0' xml:lang='en'>", domain); err != nil {
		return err
	}
	return c.ReadHeader()
}

// ReadHeader reads the server's <stream:stream> start tag.
func (c *Client) ReadHeader() error {
	c.dec = xml.NewDecoder(c.Conn)
	for {
		tok, err := c.token()
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "stream" {
				return fmt.Errorf("expected stream header, got <%s>", se.Name.Local)
			}
			c.Header = se
			return nil
		}
	}
}

func (c *Client) token() (xml.Token, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.Timeout))
	return c.dec.Token()
}

// ErrStreamClosed is returned by Next when the server closed its stream.
var ErrStreamClosed = errors.New("server closed the stream")

// Next reads the next top-level element. Namespaces are resolved: every
// element carries the namespace it is in as its xmlns attribute.
func (c *Client) Next() (*etree.Element, error) {
	for {
		tok, err := c.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return c.build(t)
		case xml.EndElement:
			return nil, ErrStreamClosed
		}
	}
}

func (c *Client) build(start xml.StartElement) (*etree.Element, error) {
	el := etree.NewElement(start.Name.Local)
	el.CreateAttr("xmlns", start.Name.Space)
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		key := a.Name.Local
		if a.Name.Space == "http://www.w3.org/XML/1998/namespace" {
			key = "xml:" + key
		}
		el.CreateAttr(key, a.Value)
	}
	for {
		tok, err := c.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			child, err := c.build(t)
			if err != nil {
				return nil, err
			}
			el.AddChild(child)
		case xml.CharData:
			el.CreateText(string(t))
		case xml.EndElement:
			return el, nil
		}
	}
}

// Expect reads elements until one satisfies match, failing on a stream
// error or after the timeout. Elements skipped are returned for inspection.
func (c *Client) Expect(match func(*etree.Element) bool) (*etree.Element, error) {
	for {
		el, err := c.Next()
		if err != nil {
			return nil, err
		}
		if match(el) {
			return el, nil
		}
		if el.Tag == "error" && el.SelectAttrValue("xmlns", "") == "http://etherx.jabber.org/streams" {
			return nil, fmt.Errorf("stream error: %s", Describe(el))
		}
	}
}

// Describe renders an element for failure messages.
func Describe(el *etree.Element) string {
	if el == nil {
		return "<nil>"
	}
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	s, _ := doc.WriteToString()
	return strings.TrimSpace(s)
}

// StartTLS negotiates STARTTLS on a freshly opened stream and restarts it.
func (c *Client) StartTLS(domain string) error {
	if _, err := c.Expect(Is("features")); err != nil {
		return err
	}
	if err := c.Send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"); err != nil {
		return err
	}
	if _, err := c.Expect(Is("proceed")); err != nil {
		return err
	}
	if err := c.UpgradeTLS(domain); err != nil {
		return err
	}
	return c.OpenStream(domain)
}

// UpgradeTLS runs the client side of the TLS handshake on the connection,
// after <proceed/>.
func (c *Client) UpgradeTLS(domain string) error {
	cfg := &tls.Config{InsecureSkipVerify: true}
	if c.TLS != nil {
		cfg = c.TLS.Clone()
	}
	cfg.ServerName = domain
	tc := tls.Client(c.Conn, cfg)
	tc.SetDeadline(time.Now().Add(c.Timeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	tc.SetDeadline(time.Time{})
	c.Conn = tc
	return nil
}

// Close sends the closing stream tag and closes the connection.
func (c *Client) Close() error {
	c.Send("</stream:stream>")
	return c.Conn.Close()
}

// Is matches an element by local name.
func Is(local string) func(*etree.Element) bool {
	return func(el *etree.Element) bool { return el.Tag == local }
}

// ID matches a stanza by id.
func ID(id string) func(*etree.Element) bool {
	return func(el *etree.Element) bool { return el.SelectAttrValue("id", "") == id }
}
