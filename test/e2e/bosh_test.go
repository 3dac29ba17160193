package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestBOSHSessionFromLoginToTermination: a BOSH client found through
// host-meta logs in (SASL, restart, bind), exchanges messages with a TCP
// client, gets again by rid a response whose connection broke, and ends
// its session.
func TestBOSHSessionFromLoginToTermination(t *testing.T) {
	srv := featureServer(t)
	addr := srv.waitLog("listening for BOSH clients")["addr"].(string)

	// XEP-0156: host-meta lists BOSH beside WebSocket.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := hc.Get("https://" + addr + "/.well-known/host-meta.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	err = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	_, port, _ := net.SplitHostPort(addr)
	found := false
	for _, l := range meta.Links {
		found = found || l.Rel == "urn:xmpp:alt-connections:xbosh" && l.Href == "https://localhost:"+port+"/http-bind"
	}
	if err != nil || !found {
		t.Fatalf("host-meta.json lists %+v (%v), want the BOSH URL", meta.Links, err)
	}

	alice := newBOSHClient(t, addr)
	aliceJID := alice.login("alice", "web")
	bob, bobJID := login(t, srv, "bob", "tcp")

	bob.Sendf("<message to='%s' type='chat' id='m1'><body>to BOSH</body></message>", aliceJID)
	if got := alice.expect(alice.send("", ""), "message"); got.FindElement("body") == nil || got.FindElement("body").Text() != "to BOSH" {
		t.Fatalf("BOSH client got %s", describe(got))
	}
	alice.send("", "<message xmlns='jabber:client' to='"+bobJID+"' type='chat' id='m2'><body>from BOSH</body></message>")
	el, err := bob.Expect(rawxmpp.Is("message"))
	if err != nil {
		t.Fatal(err)
	}
	if got := el.FindElement("body"); got == nil || got.Text() != "from BOSH" || el.SelectAttrValue("from", "") != aliceJID {
		t.Fatalf("TCP client got %s", rawxmpp.Describe(el))
	}

	// A request whose response is lost on the way: the client reads the
	// status line, the connection breaks, and it sends the same request
	// again (XEP-0124 §14.3).
	lost := alice.body("", "")
	raw, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(raw, "POST /http-bind HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(lost), lost)
	srv.waitLogWhere("the lost request taken", func(l map[string]any) bool {
		return l["@message"] == "BOSH request taken" && fmt.Sprint(l["rid"]) == ridString(alice.rid)
	})
	bob.Sendf("<message to='%s' type='chat' id='m3'><body>lost once</body></message>", aliceJID)
	raw.SetReadDeadline(time.Now().Add(30 * time.Second))
	if line, err := bufio.NewReader(raw).ReadString('\n'); err != nil || line != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("the request that is to be lost got %q (%v)", line, err)
	}
	raw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	again, body, err := alice.post(ctx, lost)
	if err != nil {
		t.Fatalf("asking again: %v (%s)", err, body)
	}
	if m := again.FindElement("message/body"); m == nil || m.Text() != "lost once" {
		t.Fatalf("asked again by rid, got %s, want the message of the lost response", body)
	}

	// The client ends the session, saying goodbye.
	end := alice.send(" type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>")
	if end.SelectAttrValue("type", "") != "terminate" {
		t.Fatalf("terminate answered %s", describe(end))
	}
	after, body, err := alice.post(ctx, alice.body("", ""))
	if err != nil || after.SelectAttrValue("condition", "") != "item-not-found" {
		t.Fatalf("a request after termination got %s (%v), want item-not-found", body, err)
	}
}

// TestBOSHRequestAskedAgainWhileHeld: the connection of a held request
// breaks and the client sends the same request again before anything
// came for it; the new connection takes the old one's place and gets what
// comes.
func TestBOSHRequestAskedAgainWhileHeld(t *testing.T) {
	srv := limitServer(t, "")
	addr := srv.waitLog("listening for BOSH clients")["addr"].(string)
	alice := newBOSHClient(t, addr)
	aliceJID := alice.login("alice", "web")
	bob, _ := login(t, srv, "bob", "tcp")

	held := alice.body("", "")
	raw, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	taken := func(l map[string]any) bool {
		return l["@message"] == "BOSH request taken" && fmt.Sprint(l["rid"]) == ridString(alice.rid)
	}
	mark := srv.logMark()
	fmt.Fprintf(raw, "POST /http-bind HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(held), held)
	srv.waitLogFrom(mark, "the held request taken", taken)
	raw.Close()

	again := alice.background(srv, held, alice.rid)
	bob.Sendf("<message to='%s' type='chat' id='h1'><body>while held</body></message>", aliceJID)
	el := <-again
	if el == nil || el.FindElement("message/body") == nil || el.FindElement("message/body").Text() != "while held" {
		t.Fatalf("the request asked again got %v, want the message", el)
	}
}

// TestBOSHSessionResumesAfterInactivity: stream management over BOSH. A
// client that enabled resumption and then sent no request for
// bosh.inactivity loses its BOSH session, not its XMPP session: a new BOSH
// session resumes it (XEP-0198) and gets the message that came meanwhile.
func TestBOSHSessionResumesAfterInactivity(t *testing.T) {
	srv := limitServer(t, "bosh:\n  inactivity: 2s\n")
	addr := srv.waitLog("listening for BOSH clients")["addr"].(string)
	alice := newBOSHClient(t, addr)
	aliceJID := alice.login("alice", "web")
	enabled := alice.expect(alice.send("", "<enable xmlns='urn:xmpp:sm:3' resume='true'/>"), "enabled")
	previd := enabled.SelectAttrValue("id", "")
	if enabled.SelectAttrValue("resume", "") != "true" || previd == "" {
		t.Fatalf("enable answered %s", describe(enabled))
	}
	srv.waitLog("connection lost; the session waits for the client to resume")

	bob, _ := login(t, srv, "bob", "tcp")
	bob.Sendf("<message to='%s' type='chat' id='r1'><body>while away</body></message>", aliceJID)

	back := newBOSHClient(t, addr)
	back.create(3, 1)
	auth := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw"))
	back.expect(back.send("", "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+auth+"</auth>"), "success")
	back.expect(back.send(" xmpp:restart='true'", ""), "features")
	resp := back.send("", "<resume xmlns='urn:xmpp:sm:3' previd='"+previd+"' h='0'/>")
	back.expect(resp, "resumed")
	// The message may follow in a later response.
	for m := back.expect(resp, "message"); m.SelectAttrValue("id", "") != "r1"; {
		m = back.expect(back.send("", ""), "message")
	}
}

// TestBOSHShutdownTellsHeldRequests: a server that stops answers a held
// request with the system-shutdown condition, as it sends a TCP client
// the stream error, instead of cutting its connection.
func TestBOSHShutdownTellsHeldRequests(t *testing.T) {
	srv := limitServer(t, "")
	addr := srv.waitLog("listening for BOSH clients")["addr"].(string)
	alice := newBOSHClient(t, addr)
	alice.login("alice", "web")
	alice.rid++
	held := alice.background(srv, alice.bodyAt(alice.rid, "", ""), alice.rid)
	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	if el := <-held; el == nil || el.SelectAttrValue("type", "") != "terminate" || el.SelectAttrValue("condition", "") != "system-shutdown" {
		t.Errorf("the held request got %v, want a terminate with system-shutdown", el)
	}
	if err := <-stopped; err != nil {
		t.Errorf("server exit: %v", err)
	}
}
