package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	goxmpp "github.com/xmppo/go-xmpp"
	"mellium.im/sasl"
)

// goXMPPClient is a session of github.com/xmppo/go-xmpp (formerly
// mattn/go-xmpp, the library behind go-sendxmpp), with the chat messages
// it receives.
type goXMPPClient struct {
	*goxmpp.Client
	chats chan goxmpp.Chat
	ended chan error // the receive loop's last error, once the stream is gone
}

// goXMPPLogin logs in with go-xmpp's defaults. The only options set are
// the account, where the server is, STARTTLS instead of the default direct
// TLS when asked, and trust in the server's self-signed certificate.
func goXMPPLogin(t *testing.T, addr string, startTLS bool, trust *x509.CertPool, user, password string) *goXMPPClient {
	t.Helper()
	opts := goxmpp.Options{
		Host:        addr,
		User:        user + "@localhost",
		Password:    password,
		DialTimeout: 10 * time.Second,
		TLSConfig:   &tls.Config{RootCAs: trust, ServerName: "localhost"},
	}
	if startTLS {
		opts.NoTLS, opts.StartTLS = true, true
	}
	c, err := opts.NewClient()
	if err != nil {
		t.Fatalf("go-xmpp login as %s over %s: %v", user, addr, err)
	}
	g := &goXMPPClient{Client: c, chats: make(chan goxmpp.Chat, 16), ended: make(chan error, 1)}
	go func() {
		for {
			st, err := c.Recv()
			if err != nil {
				g.ended <- err
				return
			}
			if chat, ok := st.(goxmpp.Chat); ok && chat.Text != "" {
				g.chats <- chat
			}
		}
	}()
	t.Cleanup(func() {
		// Close itself reads the stream, which the loop above is doing:
		// end the stream and let the loop see the server close it.
		c.SendOrg("</stream:stream>")
		select {
		case <-g.ended:
		case <-time.After(10 * time.Second):
			t.Error("the server did not close go-xmpp's stream")
		}
	})
	return g
}

func (g *goXMPPClient) expectChat(t *testing.T, from, body string) {
	t.Helper()
	select {
	case m := <-g.chats:
		if m.Remote != from || m.Text != body {
			t.Fatalf("go-xmpp received from %s: %q, want from %s: %q", m.Remote, m.Text, from, body)
		}
	case err := <-g.ended:
		t.Fatalf("go-xmpp's stream ended before a message from %s arrived: %v", from, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("no message from %s reached go-xmpp", from)
	}
}

// serverCerts is a pool holding the certificate the server at addr (direct
// TLS) presents, so that a client can verify it as it would a real one.
func serverCerts(t *testing.T, addr string) *x509.CertPool {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("reading the server's certificate: %v", err)
	}
	defer conn.Close()
	pool := x509.NewCertPool()
	pool.AddCert(conn.ConnectionState().PeerCertificates[0])
	return pool
}

// TestGoXMPP logs in with go-xmpp over STARTTLS (as go-sendxmpp does with
// its default configuration) and over direct TLS (XEP-0368, go-xmpp's own
// default), and exchanges a message each way with a mellium client. go-xmpp
// reads XEP-0440, so it must bind the channel: SCRAM-SHA-256-PLUS.
func TestGoXMPP(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{"alice", "bob", "carol"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw-"+u); err != nil {
			t.Fatalf("user add %s: %v\n%s", u, err, out)
		}
	}
	srv := startServer(t, dir, nil)
	defer func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	}()
	trust := serverCerts(t, srv.direct)
	bob := melliumLogin(t, srv.starttls, false, "bob", "pw-bob", sasl.ScramSha256)
	sendPresence(t, bob)
	bobJID := bob.LocalAddr().String()

	tests := []struct {
		name, user, addr string
		startTLS         bool
	}{
		{"STARTTLS", "alice", srv.starttls, true},
		{"direct TLS", "carol", srv.direct, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := goXMPPLogin(t, tt.addr, tt.startTLS, trust, tt.user, "pw-"+tt.user)
			srv.waitLogWhere(tt.user+" authenticated with SCRAM-SHA-256-PLUS", func(l map[string]any) bool {
				return l["@message"] == "authenticated" && l["user"] == tt.user && l["mechanism"] == "SCRAM-SHA-256-PLUS"
			})
			if _, _, err := g.Send(goxmpp.Chat{Remote: "bob@localhost", Type: "chat", Text: "hello from go-xmpp " + tt.name}); err != nil {
				t.Fatal(err)
			}
			bob.expectChat(t, g.JID(), "hello from go-xmpp "+tt.name)
			bob.sendChat(t, g.JID(), "hello back over "+tt.name)
			g.expectChat(t, bobJID, "hello back over "+tt.name)
		})
	}
}
