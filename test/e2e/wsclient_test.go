package e2e

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	ws "github.com/coder/websocket"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// wsClient speaks RFC 7395 over a raw WebSocket, one element a message,
// so that a test can send what no well-behaved client library would.
type wsClient struct {
	t   *testing.T
	c   *ws.Conn
	ctx context.Context
}

func dialWS(t *testing.T, addr string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	c, _, err := ws.Dial(ctx, "wss://"+addr+"/xmpp-websocket", &ws.DialOptions{
		HTTPClient:   &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
		Subprotocols: []string{"xmpp"},
	})
	if err != nil {
		t.Fatalf("WebSocket dial: %v", err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: t, c: c, ctx: ctx}
}

func (w *wsClient) send(format string, args ...any) {
	w.t.Helper()
	if err := w.c.Write(w.ctx, ws.MessageText, []byte(fmt.Sprintf(format, args...))); err != nil {
		w.t.Fatalf("WebSocket write: %v", err)
	}
}

// next reads one message as an element.
func (w *wsClient) next() (*etree.Element, error) {
	_, msg, err := w.c.Read(w.ctx)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(msg); err != nil || doc.Root() == nil {
		return nil, fmt.Errorf("message %.200q is not an element: %v", msg, err)
	}
	return doc.Root(), nil
}

// expect reads messages until one named local arrives.
func (w *wsClient) expect(local string) *etree.Element {
	w.t.Helper()
	for {
		el, err := w.next()
		if err != nil {
			w.t.Fatalf("waiting for <%s/>: %v", local, err)
		}
		if el.Tag == local {
			return el
		}
	}
}

func (w *wsClient) open() {
	w.t.Helper()
	w.send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>")
	w.expect("open")
	w.expect("features")
}

// login authenticates with PLAIN and binds resource.
func (w *wsClient) login(user, resource string) {
	w.t.Helper()
	w.authenticate(user)
	w.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>%s</resource></bind></iq>", resource)
	if r := w.expect("iq"); r.SelectAttrValue("type", "") != "result" {
		w.t.Fatalf("bind: %s", rawxmpp.Describe(r))
	}
}

// authenticate opens the stream, authenticates with PLAIN and opens the
// authenticated stream, leaving the client where it binds or resumes.
func (w *wsClient) authenticate(user string) {
	w.t.Helper()
	w.open()
	w.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00pw")))
	w.expect("success")
	w.open()
}

// sendWithheld starts a text message of size bytes, in frames of a MiB,
// and never sends its last byte. The writing goes on in the background
// until the server stops reading and the connection closes.
func (w *wsClient) sendWithheld(size int) {
	go func() {
		mw, err := w.c.Writer(w.ctx, ws.MessageText)
		if err != nil {
			return
		}
		prefix := "<message to='alice@localhost'><body>"
		if _, err := mw.Write([]byte(prefix)); err != nil {
			return
		}
		chunk := []byte(strings.Repeat("x", 1<<20))
		for left := size - len(prefix) - 1; left > 0; left -= len(chunk) {
			if _, err := mw.Write(chunk[:min(left, len(chunk))]); err != nil {
				return
			}
		}
	}()
}

// streamError reads until a stream error arrives and the server closes
// the WebSocket, and returns the error's condition; or, if the connection
// ends without one, says so.
func (w *wsClient) streamError() string {
	for {
		el, err := w.next()
		if err != nil {
			return "no stream error: " + err.Error()
		}
		if el.Tag != "error" {
			continue
		}
		cond := ""
		for _, ch := range el.ChildElements() {
			if ch.NamespaceURI() == "urn:ietf:params:xml:ns:xmpp-streams" && ch.Tag != "text" {
				cond = ch.Tag
			}
		}
		for {
			if _, err := w.next(); err != nil {
				return cond
			}
		}
	}
}
