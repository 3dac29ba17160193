package e2e

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"net"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// melliumClient is a session of mellium.im/xmpp, a client library we did
// not write, with the messages it receives.
type melliumClient struct {
	*xmpp.Session
	messages  chan chatMessage
	presences chan stanza.Presence
	seen      []stanza.Presence // received, not yet expected
}

type chatMessage struct {
	stanza.Message
	Body string `xml:"body"`
}

// melliumLogin connects as user@localhost/mellium with the given
// mechanisms, over STARTTLS or direct TLS.
func melliumLogin(t *testing.T, addr string, direct bool, user, password string, mechs ...sasl.Mechanism) *melliumClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	origin := jid.MustParse(user + "@localhost/mellium")
	tlsCfg := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}
	var (
		s   *xmpp.Session
		err error
	)
	if direct {
		conn, derr := tls.Dial("tcp", addr, tlsCfg)
		if derr != nil {
			t.Fatal(derr)
		}
		s, err = xmpp.NewSession(ctx, origin.Domain(), origin, conn, xmpp.Secure, xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: []xmpp.StreamFeature{xmpp.SASL("", password, mechs...), xmpp.BindResource()}}
		}))
	} else {
		conn, derr := net.Dial("tcp", addr)
		if derr != nil {
			t.Fatal(derr)
		}
		s, err = xmpp.NewClientSession(ctx, origin, conn, xmpp.StartTLS(tlsCfg), xmpp.SASL("", password, mechs...), xmpp.BindResource())
	}
	if err != nil {
		t.Fatalf("mellium login as %s: %v", user, err)
	}
	c := &melliumClient{Session: s, messages: make(chan chatMessage, 16), presences: make(chan stanza.Presence, 64)}
	go serveMessages(c)
	t.Cleanup(func() { s.Close(); s.Conn().Close() })
	return c
}

// serveMessages reads the session's input until it ends, queueing the
// messages.
func serveMessages(c *melliumClient) {
	c.Serve(xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		if start.Name.Local == "presence" && c.presences != nil {
			p, err := stanza.NewPresence(*start)
			if err != nil {
				return err
			}
			select {
			case c.presences <- p:
			default: // a test that does not read presence must not block the session
			}
			return nil
		}
		if start.Name.Local != "message" {
			return nil
		}
		var m chatMessage
		if err := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), r)).Decode(&m); err != nil {
			return err
		}
		c.messages <- m
		return nil
	}))
}

func (c *melliumClient) sendChat(t *testing.T, to, body string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg := stanza.Message{To: jid.MustParse(to), Type: stanza.ChatMessage}
	err := c.Send(ctx, msg.Wrap(xmlstream.Wrap(xmlstream.Token(xml.CharData(body)), xml.StartElement{Name: xml.Name{Local: "body"}})))
	if err != nil {
		t.Fatal(err)
	}
}

func (c *melliumClient) expectChat(t *testing.T, from, body string) {
	t.Helper()
	select {
	case m := <-c.messages:
		if m.From.String() != from || m.Body != body {
			t.Fatalf("received message from %s: %q, want from %s: %q", m.From, m.Body, from, body)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no message from %s arrived", from)
	}
}

// sendPresence makes the client available and waits until the server has
// processed it: a stream is handled in order, so the answer to an IQ sent
// after the presence proves the presence was seen.
func sendPresence(t *testing.T, c *melliumClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Send(ctx, stanza.Presence{}.Wrap(nil)); err != nil {
		t.Fatal(err)
	}
	ping := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}})
	resp, err := c.SendIQ(ctx, stanza.IQ{Type: stanza.GetIQ, To: jid.MustParse("localhost")}.Wrap(ping))
	if err != nil {
		t.Fatalf("waiting for the server to process presence: %v", err)
	}
	resp.Close()
}
