package upload

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

const alice = "alice@localhost/phone"

// clock is a time the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fixture is the plugin configured against a fake core, with its
// listener on loopback and an HTTP client that trusts its self-signed
// certificate and reaches upload.localhost there.
type fixture struct {
	t      *testing.T
	u      *Upload
	h      *sdktest.Harness
	clock  *clock
	dir    string
	client *http.Client
}

func newFixture(t *testing.T, config map[string]any) *fixture {
	t.Helper()
	f := &fixture{t: t, u: New(), clock: &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, dir: t.TempDir()}
	f.u.now = f.clock.Now
	cfg := map[string]any{"listen": "127.0.0.1:0", "dir": f.dir}
	for k, v := range config {
		cfg[k] = v
	}
	f.h = sdktest.New(t, f.u, sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
	f.u.mu.Lock()
	addr := f.u.listener.ln.Addr().String()
	leaf, err := x509.ParseCertificate(f.u.listener.cert.Load().Certificate[0])
	f.u.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	f.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	t.Cleanup(f.client.CloseIdleConnections)
	return f
}

// slot asks for a slot and returns its PUT and GET URLs, or the error.
func (f *fixture) slot(name string, size int, ctype string) (put, get string, err *stanza.Error) {
	f.t.Helper()
	attrs := fmt.Sprintf("filename='%s' size='%d'", name, size)
	if ctype != "" {
		attrs += fmt.Sprintf(" content-type='%s'", ctype)
	}
	r := f.h.Handle("<iq type='get' id='s' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' "+attrs+"/></iq>", alice)
	if r.Err != nil {
		return "", "", r.Err
	}
	if len(r.Replies) != 1 {
		f.t.Fatalf("slot request: %d replies", len(r.Replies))
	}
	s := r.Replies[0].FindElement("slot")
	if s == nil || s.Space != "" && s.NamespaceURI() != NS {
		f.t.Fatalf("slot request: no slot in the result")
	}
	return s.FindElement("put").SelectAttrValue("url", ""), s.FindElement("get").SelectAttrValue("url", ""), nil
}

func (f *fixture) do(method, link string, body []byte, header ...string) *http.Response {
	f.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, link, r)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, link, err)
	}
	f.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (f *fixture) upload(name string, body []byte, ctype string) string {
	f.t.Helper()
	put, get, serr := f.slot(name, len(body), ctype)
	if serr != nil {
		f.t.Fatalf("slot: %v", serr)
	}
	if resp := f.do(http.MethodPut, put, body, "Content-Type", ctype); resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("PUT: %s", resp.Status)
	}
	return get
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSlotPutGet(t *testing.T) {
	f := newFixture(t, nil)
	body := []byte("\x89PNG not really, but bytes all the same")
	put, get, serr := f.slot("holiday photo.png", len(body), "image/png")
	if serr != nil {
		t.Fatal(serr)
	}
	if !strings.HasPrefix(put, "https://upload.localhost:") || !strings.HasSuffix(put, "/holiday%20photo.png") || get != put {
		t.Fatalf("URLs: put %s get %s", put, get)
	}
	if resp := f.do(http.MethodPut, put, body, "Content-Type", "image/png"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT: %s %s", resp.Status, readAll(t, resp))
	}
	resp := f.do(http.MethodGet, get, nil)
	if resp.StatusCode != http.StatusOK || readAll(t, resp) != string(body) {
		t.Fatalf("GET: %s", resp.Status)
	}
	for k, want := range map[string]string{
		"Content-Type":                "image/png",
		"X-Content-Type-Options":      "nosniff",
		"Content-Disposition":         `inline; filename="holiday photo.png"`,
		"Access-Control-Allow-Origin": "*",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("GET %s: %q, want %q", k, got, want)
		}
	}
	resp = f.do(http.MethodGet, get, nil, "Range", "bytes=5-7")
	if got := readAll(t, resp); resp.StatusCode != http.StatusPartialContent || got != string(body[5:8]) {
		t.Errorf("GET a range: %s %q, want 206 %q", resp.Status, got, body[5:8])
	}
	if resp := f.do(http.MethodHead, get, nil); resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(body)) {
		t.Errorf("HEAD: %s, length %d", resp.Status, resp.ContentLength)
	}
}

// The size limit is in disco#info on the service, in XEP-0363 §3's form.
func TestDiscoAdvertisesMaxFileSize(t *testing.T) {
	f := newFixture(t, map[string]any{"max_file_size": 5000, "quota": 0})
	r := f.h.Handle("<iq type='get' id='d' to='upload.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", alice)
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("disco#info: %v", r.Err)
	}
	q := r.Replies[0].FindElement("query")
	if q.FindElement("identity[@category='store'][@type='file']") == nil || q.FindElement("feature[@var='urn:xmpp:http:upload:0']") == nil {
		t.Errorf("disco#info: no store/file identity or no upload feature")
	}
	x := q.FindElement("x")
	if x == nil || x.FindElement("field[@var='FORM_TYPE']/value").Text() != NS || x.FindElement("field[@var='max-file-size']/value").Text() != "5000" {
		t.Errorf("disco#info: the form does not say max-file-size 5000")
	}
}

func TestFileTooLarge(t *testing.T) {
	f := newFixture(t, map[string]any{"max_file_size": 100})
	_, _, serr := f.slot("big.bin", 101, "")
	if serr == nil || serr.Condition != stanza.NotAcceptable || serr.ErrorType() != stanza.Modify || serr.AppLocal != "file-too-large" || serr.AppSpace != NS {
		t.Fatalf("a file over max_file_size: %#v, want not-acceptable with file-too-large", serr)
	}
	if len(serr.AppChildren) != 1 || serr.AppChildren[0] != (stanza.Child{Name: "max-file-size", Text: "100"}) {
		t.Errorf("file-too-large: %v, want <max-file-size>100</max-file-size>", serr.AppChildren)
	}
	if _, _, serr := f.slot("fits.bin", 100, ""); serr != nil {
		t.Fatalf("a file of max_file_size: %v", serr)
	}
}

// Slots granted count against the quota until they expire; the error says
// when room comes back.
func TestQuota(t *testing.T) {
	f := newFixture(t, map[string]any{"max_file_size": 60, "quota": 100, "slot_lifetime": "5m"})
	if _, _, serr := f.slot("a", 60, ""); serr != nil {
		t.Fatal(serr)
	}
	f.clock.advance(time.Minute)
	_, _, serr := f.slot("b", 41, "")
	if serr == nil || serr.Condition != stanza.ResourceConstraint || serr.ErrorType() != stanza.Wait || serr.AppLocal != "retry" {
		t.Fatalf("over quota: %#v, want resource-constraint with retry", serr)
	}
	want := f.clock.Now().Add(4 * time.Minute).Format(time.RFC3339)
	if len(serr.AppAttrs) != 1 || serr.AppAttrs[0] != (stanza.Attr{Name: "stamp", Value: want}) {
		t.Errorf("retry: %v, want stamp %s", serr.AppAttrs, want)
	}
	if _, _, serr := f.slot("c", 40, ""); serr != nil {
		t.Fatalf("within quota: %v", serr)
	}
	f.clock.advance(4 * time.Minute)
	if _, _, serr := f.slot("d", 60, ""); serr != nil {
		t.Fatalf("once the first slot expired: %v", serr)
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, nil)
	for _, attrs := range []string{
		"size='10'",
		"filename='a' size='-1'",
		"filename='a' size='ten'",
		"filename='a' size='10' content-type='not a type'",
		"filename='" + strings.Repeat("x", 256) + "' size='10'",
	} {
		r := f.h.Handle("<iq type='get' id='s' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' "+attrs+"/></iq>", alice)
		if r.Err == nil || r.Err.Condition != stanza.BadRequest {
			t.Errorf("request %s: %v, want bad-request", attrs, r.Err)
		}
	}
	put, _, serr := f.slot("../../etc/passwd", 1, "")
	if serr != nil || !strings.HasSuffix(put, "/..%2F..%2Fetc%2Fpasswd") && !strings.HasSuffix(put, "/.._.._etc_passwd") {
		t.Errorf("a name with slashes: %s %v", put, serr)
	}
}

// A PUT is refused unless it is the slot's, once, in time, with the size
// and type asked for.
func TestPutRefused(t *testing.T) {
	f := newFixture(t, nil)
	body := []byte("0123456789")
	put, _, serr := f.slot("a.txt", len(body), "text/plain")
	if serr != nil {
		t.Fatal(serr)
	}
	for _, tt := range []struct {
		name   string
		url    string
		body   []byte
		ctype  string
		status int
	}{
		{"longer", put, []byte("0123456789A"), "text/plain", http.StatusRequestEntityTooLarge},
		{"shorter", put, body[:9], "text/plain", http.StatusBadRequest},
		{"another type", put, body, "text/html", http.StatusBadRequest},
		{"unknown slot", withID(put, strings.Repeat("0", 32)), body, "text/plain", http.StatusForbidden},
		{"another name", strings.Replace(put, "/a.txt", "/b.txt", 1), body, "text/plain", http.StatusForbidden},
	} {
		if resp := f.do(http.MethodPut, tt.url, tt.body, "Content-Type", tt.ctype); resp.StatusCode != tt.status {
			t.Errorf("PUT %s: %s, want %d", tt.name, resp.Status, tt.status)
		}
	}
	if resp := f.do(http.MethodPut, put, body, "Content-Type", "Text/Plain"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT as granted: %s", resp.Status)
	}
	if resp := f.do(http.MethodPut, put, body, "Content-Type", "text/plain"); resp.StatusCode != http.StatusConflict {
		t.Errorf("PUT again: %s, want 409", resp.Status)
	}

	late, _, serr := f.slot("late.txt", len(body), "")
	if serr != nil {
		t.Fatal(serr)
	}
	f.clock.advance(5 * time.Minute)
	if resp := f.do(http.MethodPut, late, body); resp.StatusCode != http.StatusForbidden {
		t.Errorf("PUT after the slot expired: %s, want 403", resp.Status)
	}

	chunked, _, serr := f.slot("chunked.txt", len(body), "")
	if serr != nil {
		t.Fatal(serr)
	}
	req, err := http.NewRequest(http.MethodPut, chunked, io.MultiReader(bytes.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusLengthRequired {
		t.Errorf("PUT without Content-Length: %s, want 411", resp.Status)
	}
}

// Nothing but an uploaded file's own URL answers: no listing, no guessing
// by name.
func TestNoListing(t *testing.T) {
	f := newFixture(t, nil)
	get := f.upload("a.txt", []byte("hello"), "text/plain")
	base := get[:strings.LastIndex(get, "/")]
	for _, link := range []string{base[:strings.LastIndex(base, "/")] + "/", base + "/", base + "/b.txt", base + "x/a.txt"} {
		if resp := f.do(http.MethodGet, link, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", link, resp.Status)
		}
	}
	if resp := f.do(http.MethodDelete, get, nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %s, want 405", resp.Status)
	}
}

// A type a browser would run is downloaded, never shown, and never
// sniffed into another.
func TestScriptableTypesAreDownloaded(t *testing.T) {
	f := newFixture(t, nil)
	for _, ctype := range []string{"text/html", "image/svg+xml", "application/octet-stream"} {
		get := f.upload("x", []byte("<script>alert(1)</script>"), ctype)
		resp := f.do(http.MethodGet, get, nil)
		if d := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") {
			t.Errorf("%s: Content-Disposition %q, want attachment", ctype, d)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("%s: Content-Security-Policy %q, want a sandbox", ctype, csp)
		}
	}
}

func TestCORSPreflight(t *testing.T) {
	f := newFixture(t, nil)
	put, _, serr := f.slot("a.txt", 1, "text/plain")
	if serr != nil {
		t.Fatal(serr)
	}
	resp := f.do(http.MethodOptions, put, nil, "Origin", "https://web.example", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PUT") || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight: %s %v", resp.Status, resp.Header)
	}
}

// Files expire expire_after after their upload, slots unused after their
// lifetime: the sweep removes them, their bytes and the quota they held.
func TestExpiry(t *testing.T) {
	f := newFixture(t, map[string]any{"expire_after": "24h", "quota": 100, "max_file_size": 100})
	get := f.upload("old.txt", bytes.Repeat([]byte("a"), 60), "text/plain")
	f.clock.advance(time.Hour)
	if _, _, serr := f.slot("pending", 30, ""); serr != nil {
		t.Fatal(serr)
	}
	f.clock.advance(23 * time.Hour)
	newer := f.upload("new.txt", []byte("b"), "text/plain")
	st, err := f.u.state()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.u.sweep(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if resp := f.do(http.MethodGet, get, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET an expired file: %s, want 404", resp.Status)
	}
	if resp := f.do(http.MethodGet, newer, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET a newer file: %s, want 200", resp.Status)
	}
	if names := filesIn(t, f.dir); len(names) != 1 {
		t.Errorf("files left: %v, want the newer one", names)
	}
	if _, _, serr := f.slot("room again", 99, ""); serr != nil {
		t.Errorf("the quota after the sweep: %v", serr)
	}
	if kvs, _ := st.host.Store("").Scan(t.Context(), prefixSlot, "", 0, false); len(kvs) != 1 {
		t.Errorf("slots left: %d, want the one just granted", len(kvs))
	}
}

func TestAccountDeleted(t *testing.T) {
	f := newFixture(t, nil)
	get := f.upload("a.txt", []byte("hello"), "text/plain")
	if _, _, serr := f.slot("pending", 3, ""); serr != nil {
		t.Fatal(serr)
	}
	if err := f.h.Event(sdktest.Event{Kind: sdk.AccountDeleted, JID: "alice@localhost"}); err != nil {
		t.Fatal(err)
	}
	if resp := f.do(http.MethodGet, get, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a deleted account's file: %s, want 404", resp.Status)
	}
	if names := filesIn(t, f.dir); len(names) != 0 {
		t.Errorf("files left: %v", names)
	}
	st, _ := f.u.state()
	for _, owner := range []string{"", "alice@localhost"} {
		if kvs, _ := st.host.Store(owner).Scan(t.Context(), "", "", 0, false); len(kvs) != 0 {
			t.Errorf("keys left under %q: %d", owner, len(kvs))
		}
	}
}

func TestConfig(t *testing.T) {
	valid := func(edit func(*Config)) Config {
		c := defaultConfig()
		c.Listen = "127.0.0.1:0"
		edit(&c)
		return c
	}
	for _, tt := range []struct {
		config Config
		want   string
	}{
		{defaultConfig(), "listen must be set"},
		{valid(func(c *Config) { c.Listen = "nope" }), "listen"},
		{valid(func(c *Config) { c.URL = "http://plain.example" }), "https URL"},
		{valid(func(c *Config) { c.CertFile = "a.pem" }), "go together"},
		{valid(func(c *Config) { c.Quota = 10 }), "quota"},
		{valid(func(c *Config) { c.SlotLifetime = 0 }), "slot_lifetime"},
	} {
		if err := tt.config.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want an error about %q", tt.config, err, tt.want)
		}
	}
	if c := valid(func(*Config) {}); c.Validate() != nil {
		t.Errorf("the defaults with a listen address: %v", c.Validate())
	}
	_, _, err := loadCertificate(valid(func(c *Config) { c.CertFile, c.KeyFile = "missing.pem", "missing.key" }), "upload.localhost")
	if err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("a missing certificate: %v", err)
	}
}

// A reload that fails leaves the service as it was; one that moves the
// listener moves it.
func TestReload(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.h.Configure(map[string]any{"dir": f.dir}); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("a reload without listen: %v", err)
	}
	get := f.upload("a.txt", []byte("hello"), "text/plain")
	if err := f.h.Configure(map[string]any{"listen": "127.0.0.2:0", "dir": f.dir, "url": "https://files.example/up"}); err != nil {
		t.Fatal(err)
	}
	put, _, serr := f.slot("b.txt", 1, "")
	if serr != nil || !strings.HasPrefix(put, "https://files.example/up/") {
		t.Fatalf("a slot after the reload: %s %v", put, serr)
	}
	f.u.mu.Lock()
	addr := f.u.listener.ln.Addr().String()
	f.u.mu.Unlock()
	if !strings.HasPrefix(addr, "127.0.0.2:") {
		t.Fatalf("the listener is on %s after the reload", addr)
	}
	// The file uploaded before is served on the new listener, under the
	// new URL.
	moved := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	defer moved.CloseIdleConnections()
	old, err := url.Parse(get)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := moved.Get("https://files.example/up" + old.EscapedPath())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := readAll(t, resp); resp.StatusCode != http.StatusOK || got != "hello" {
		t.Errorf("GET after the reload: %s %q", resp.Status, got)
	}
}

// withID is url with another slot id.
func withID(link, id string) string {
	i := strings.LastIndex(link, "/")
	j := strings.LastIndex(link[:i], "/")
	return link[:j+1] + id + link[i:]
}

func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, filepath.Join(dir, e.Name()))
	}
	return names
}
