package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// terminated posts content and checks that the session ends with cond.
func (b *boshClient) terminated(content, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	el, raw, err := b.post(ctx, content)
	if err != nil {
		b.t.Fatalf("%.100s: %v (%s)", content, err, raw)
	}
	if el.SelectAttrValue("type", "") != "terminate" || el.SelectAttrValue("condition", "") != cond {
		b.t.Fatalf("%.100s answered %s, want a terminate with %s", content, raw, cond)
	}
}

// background posts content on its own goroutine once the server has
// taken it, and returns where its response comes.
func (b *boshClient) background(srv *server, content string, rid uint64) <-chan *etree.Element {
	mark := srv.logMark()
	got := make(chan *etree.Element, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		el, raw, err := b.post(ctx, content)
		if err != nil {
			b.t.Logf("request %d: %v (%s)", rid, err, raw)
		}
		got <- el
	}()
	srv.waitLogFrom(mark, fmt.Sprintf("request %d taken", rid), func(l map[string]any) bool {
		return l["@message"] == "BOSH request taken" && fmt.Sprint(l["rid"]) == ridString(rid)
	})
	return got
}

// TestBOSHHostileInput: every way a client can break the rules of BOSH
// ends its session with the terminal condition XEP-0124 gives it.
func TestBOSHHostileInput(t *testing.T) {
	srv := limitServer(t, "bosh:\n  max_body_bytes: 263168\n  cors_origins: [\"https://chat.example.org\"]\n")
	addr := srv.waitLog("listening for BOSH clients")["addr"].(string)

	t.Run("unknown sid", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.sid = "0123456789abcdef"
		b.terminated(b.body("", ""), "item-not-found")
	})
	t.Run("not a body", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		for _, content := range []string{
			"<body xmlns='" + nsHTTPBind + "' rid='1' to='localhost'",
			"<message xmlns='jabber:client'/>",
			"<body rid='1' to='localhost'/>",
			"<body xmlns='" + nsHTTPBind + "' rid='one' to='localhost'/>",
			"<body xmlns='" + nsHTTPBind + "' rid='9007199254740992' to='localhost'/>",
			"<!DOCTYPE body><body xmlns='" + nsHTTPBind + "' rid='1' to='localhost'/>",
		} {
			b.terminated(content, "bad-request")
		}
	})
	t.Run("addressing", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.terminated("<body xmlns='"+nsHTTPBind+"' rid='1' wait='5' hold='1'/>", "improper-addressing")
		b.terminated("<body xmlns='"+nsHTTPBind+"' rid='1' to='elsewhere.example' wait='5' hold='1'/>", "host-unknown")
	})
	t.Run("rid beyond the window", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.create(5, 1)
		b.rid += 5
		b.terminated(b.body("", ""), "item-not-found")
		b.terminated(b.body("", ""), "item-not-found") // the session is gone
	})
	t.Run("rid no longer kept", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.create(1, 1)
		first := b.bodyAt(b.rid+1, "", "")
		b.send("", "") // first
		b.send("", "")
		b.send("", "")
		b.terminated(first, "item-not-found")
	})
	t.Run("body flood", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.create(5, 1)
		b.terminated(b.body("", "<message xmlns='jabber:client' to='bob@localhost'><body>"+strings.Repeat("x", 300<<10)+"</body></message>"), "policy-violation")
	})
	t.Run("too many requests", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.create(30, 1) // two requests at once
		n := b.rid
		held := b.background(srv, b.bodyAt(n+1, "", ""), n+1)
		early := b.background(srv, b.bodyAt(n+3, "", ""), n+3) // waits for n+2
		b.terminated(b.bodyAt(n+2, "", ""), "policy-violation")
		for _, c := range []<-chan *etree.Element{held, early} {
			if el := <-c; el == nil || el.SelectAttrValue("condition", "") != "other-request" {
				t.Errorf("the other open requests got %v, want other-request", el)
			}
		}
	})
	t.Run("polling too often", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.create(5, 0)
		b.send("", "")
		b.terminated(b.body("", ""), "policy-violation")
	})
	t.Run("restart before authentication", func(t *testing.T) {
		b := newBOSHClient(t, addr)
		b.create(5, 1)
		b.terminated(b.body(" xmpp:restart='true'", ""), "bad-request")
	})
	t.Run("pages of other origins", func(t *testing.T) {
		for origin, want := range map[string]int{"https://chat.example.org": http.StatusNoContent, "https://evil.example": http.StatusForbidden} {
			req, _ := http.NewRequest(http.MethodOptions, "https://"+addr+"/http-bind", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			resp, err := newBOSHClient(t, addr).http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			allowed := resp.Header.Get("Access-Control-Allow-Origin")
			if resp.StatusCode != want || (want == http.StatusNoContent) != (allowed == origin) {
				t.Errorf("preflight from %s: %s, allowed origin %q", origin, resp.Status, allowed)
			}
		}
	})
}

// TestBOSHSessionsCountPerAddress: a BOSH session holds a place under
// limits.connections_per_ip from its creation to its end, beside the
// HTTP connection its requests come on.
func TestBOSHSessionsCountPerAddress(t *testing.T) {
	srv := limitServer(t, "limits:\n  trusted_networks: []\n  connections_per_ip: 4\n  connect_rate_per_ip: 0\n")
	addr := srv.waitLog("listening for BOSH clients")["addr"].(string)
	transport := &http.Transport{MaxConnsPerHost: 1}
	client := func() *boshClient {
		b := newBOSHClient(t, addr)
		transport.TLSClientConfig = b.http.Transport.(*http.Transport).TLSClientConfig
		b.http.Transport = transport
		return b
	}
	var sessions []*boshClient
	for range 3 { // the connection and three sessions: four places
		b := client()
		b.create(5, 1)
		sessions = append(sessions, b)
	}
	refused := client()
	refused.rid++
	refused.terminated(fmt.Sprintf("<body xmlns='%s' rid='%d' to='localhost' wait='5' hold='1'/>", nsHTTPBind, refused.rid), "policy-violation")

	// Ending one gives its place back.
	if end := sessions[0].send(" type='terminate'", ""); end.SelectAttrValue("type", "") != "terminate" {
		t.Fatalf("terminate answered %s", describe(end))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		refused.rid++
		el, raw, err := refused.post(ctx, fmt.Sprintf("<body xmlns='%s' rid='%d' to='localhost' wait='5' hold='1'/>", nsHTTPBind, refused.rid))
		cancel()
		if err == nil && el.SelectAttrValue("sid", "") != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no session after one ended: %s (%v)", raw, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBOSHGapNeverFilled: a client that sends a request ahead of its turn
// and never the one before it holds nothing: the session ends after
// bosh.inactivity, and the waiting request learns it.
func TestBOSHGapNeverFilled(t *testing.T) {
	srv := limitServer(t, "bosh:\n  inactivity: 2s\n")
	addr := srv.waitLog("listening for BOSH clients")["addr"].(string)
	b := newBOSHClient(t, addr)
	b.login("alice", "web") // past the pre-authentication timeout, which would end it too
	early := b.background(srv, b.bodyAt(b.rid+2, "", ""), b.rid+2)
	if el := <-early; el == nil || el.SelectAttrValue("type", "") != "terminate" {
		t.Fatalf("the request waiting for a gap got %v, want the session terminated", el)
	}
}
