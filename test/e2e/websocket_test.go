package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/websocket"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestWebSocketClientTalksToTCPClient logs in over RFC 7395 with
// mellium.im/xmpp's WebSocket transport, found through host-meta, and
// exchanges messages with a client on TCP.
func TestWebSocketClientTalksToTCPClient(t *testing.T) {
	srv := featureServer(t)
	wsAddr := srv.waitLog("listening for WebSocket clients")["addr"].(string)
	insecure := &tls.Config{InsecureSkipVerify: true}

	// XEP-0156: the JSON host-meta names the endpoint.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: insecure}, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + wsAddr + "/.well-known/host-meta.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	err = json.Unmarshal(body, &meta)
	var endpoint string
	for _, l := range meta.Links {
		if l.Rel == "urn:xmpp:alt-connections:websocket" {
			endpoint = l.Href
		}
	}
	if err != nil || endpoint == "" {
		t.Fatalf("host-meta.json = %s (%v)", body, err)
	}
	// By the domain, which the certificate is for, though host-meta was
	// fetched from the listener's address.
	_, port, _ := net.SplitHostPort(wsAddr)
	if want := "wss://localhost:" + port + "/xmpp-websocket"; endpoint != want {
		t.Fatalf("endpoint %q, want %q", endpoint, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// mellium marks the session secure when the origin has the wss scheme
	// (it reads the scheme from LocalAddr, which x/net/websocket fills
	// with the origin).
	d := websocket.Dialer{Origin: "wss://localhost", TLSConfig: insecure}
	conn, err := d.DialDirect(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	origin := jid.MustParse("alice@localhost/browser")
	sess, err := websocket.NewSession(ctx, origin, conn, xmpp.SASL("", "pw", sasl.ScramSha256, sasl.Plain), xmpp.BindResource())
	if err != nil {
		t.Fatalf("mellium over WebSocket: %v", err)
	}
	mc := &melliumClient{Session: sess, messages: make(chan chatMessage, 16)}
	go serveMessages(mc)
	defer sess.Close()
	sendPresence(t, mc)

	bob, bobJID := login(t, srv, "bob", "tcp")
	bob.Sendf("<message to='alice@localhost' type='chat' id='w1'><body>over TCP</body></message>")
	mc.expectChat(t, bobJID, "over TCP")
	mc.sendChat(t, bobJID, "over WebSocket")
	el, err := bob.Expect(rawxmpp.Is("message"))
	if err != nil {
		t.Fatal(err)
	}
	if got := el.FindElement("body"); got == nil || got.Text() != "over WebSocket" {
		t.Errorf("TCP client got %s", rawxmpp.Describe(el))
	}
}
