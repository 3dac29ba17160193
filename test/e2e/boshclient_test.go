package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/beevik/etree"
)

const nsHTTPBind = "http://jabber.org/protocol/httpbind"

// boshClient speaks XEP-0124/XEP-0206 with hand-written bodies, so that a
// test can send what no client library would: repeated and skipped rids,
// floods.
type boshClient struct {
	t    *testing.T
	url  string
	http *http.Client
	sid  string
	rid  uint64
}

func newBOSHClient(t *testing.T, addr string) *boshClient {
	return &boshClient{
		t:    t,
		url:  "https://" + addr + "/http-bind",
		http: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 60 * time.Second},
		rid:  1000,
	}
}

// post sends content as it is and parses the response's <body/>.
func (b *boshClient) post(ctx context.Context, content string) (*etree.Element, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader([]byte(content)))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, raw, fmt.Errorf("POST: %s: %s", resp.Status, raw)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil || doc.Root().Tag != "body" || doc.Root().NamespaceURI() != nsHTTPBind {
		return nil, raw, fmt.Errorf("response %q is no BOSH body (%v)", raw, err)
	}
	return doc.Root(), raw, nil
}

// body is the next request's content: the session's sid, the next rid,
// extra attributes and payload.
func (b *boshClient) body(attrs, payload string) string {
	b.rid++
	return b.bodyAt(b.rid, attrs, payload)
}

// bodyAt is a request's content with the given rid.
func (b *boshClient) bodyAt(rid uint64, attrs, payload string) string {
	return fmt.Sprintf("<body xmlns='%s' xmlns:xmpp='urn:xmpp:xbosh' rid='%d' sid='%s'%s>%s</body>", nsHTTPBind, rid, b.sid, attrs, payload)
}

// send posts the next request and fails the test on a transport error.
func (b *boshClient) send(attrs, payload string) *etree.Element {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	el, raw, err := b.post(ctx, b.body(attrs, payload))
	if err != nil {
		b.t.Fatalf("BOSH request: %v (%s)", err, raw)
	}
	return el
}

// create starts a session holding hold requests with the given wait.
func (b *boshClient) create(wait, hold int) *etree.Element {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b.rid++
	el, raw, err := b.post(ctx, fmt.Sprintf("<body xmlns='%s' xmlns:xmpp='urn:xmpp:xbosh' rid='%d' to='localhost' xml:lang='en' wait='%d' hold='%d' ver='1.11' xmpp:version='1.0'/>", nsHTTPBind, b.rid, wait, hold))
	if err != nil {
		b.t.Fatalf("BOSH session creation: %v (%s)", err, raw)
	}
	b.sid = el.SelectAttrValue("sid", "")
	if b.sid == "" {
		b.t.Fatalf("no sid in %s", raw)
	}
	return el
}

// login creates a session and authenticates it with PLAIN, binds
// resource and sends initial presence; it returns the full JID.
func (b *boshClient) login(user, resource string) string {
	b.t.Helper()
	el := b.create(3, 1)
	if el.FindElement("//mechanisms") == nil {
		b.t.Fatalf("no SASL mechanisms in the session creation response: %s", describe(el))
	}
	auth := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00pw"))
	b.expect(b.send("", "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+auth+"</auth>"), "success")
	b.expect(b.send(" xmpp:restart='true'", ""), "features")
	res := b.expect(b.send("", "<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"+resource+"</resource></bind></iq>"), "iq")
	full := res.FindElement("//jid")
	if full == nil {
		b.t.Fatalf("bind answered %s", describe(res))
	}
	b.send("", "<presence xmlns='jabber:client'/>")
	return full.Text()
}

// expect returns the child of body named local, polling with empty
// requests until one comes.
func (b *boshClient) expect(body *etree.Element, local string) *etree.Element {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if typ := body.SelectAttrValue("type", ""); typ == "terminate" {
			b.t.Fatalf("session terminated while waiting for <%s/>: %s", local, describe(body))
		}
		for _, c := range body.ChildElements() {
			if c.Tag == local {
				return c
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no <%s/> came", local)
		}
		body = b.send("", "")
	}
}

func ridString(rid uint64) string { return strconv.FormatUint(rid, 10) }
