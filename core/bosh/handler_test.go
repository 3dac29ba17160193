package bosh

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

func testHandler(origins ...string) *Handler {
	return New(context.Background(), nil, Config{
		Domain: "localhost", MaxWait: time.Minute, MaxRequests: 2, Inactivity: time.Minute,
		MaxBodyBytes: 1024, ReadTimeout: time.Second, WriteTimeout: time.Second, CORSOrigins: origins,
	}, hclog.NewNullLogger())
}

func serve(h *Handler, method, origin, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "https://localhost/http-bind", strings.NewReader(body))
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestCORS: pages of the configured origins may use the endpoint, pages
// of others are refused, and requests that come from no page are served.
func TestCORS(t *testing.T) {
	unknownSID := "<body xmlns='" + nsHTTPBind + "' rid='1' sid='x'/>"
	for _, c := range []struct {
		origins          []string
		method, origin   string
		status           int
		allowed, method2 string
	}{
		{[]string{"https://chat.example.org"}, http.MethodPost, "https://chat.example.org", http.StatusOK, "https://chat.example.org", ""},
		{[]string{"https://chat.example.org"}, http.MethodPost, "https://evil.example", http.StatusForbidden, "", ""},
		{[]string{"https://chat.example.org"}, http.MethodPost, "", http.StatusOK, "", ""},
		{[]string{"https://chat.example.org"}, http.MethodOptions, "https://chat.example.org", http.StatusNoContent, "https://chat.example.org", "POST, OPTIONS"},
		{[]string{"https://chat.example.org"}, http.MethodOptions, "https://evil.example", http.StatusForbidden, "", ""},
		{[]string{"*"}, http.MethodOptions, "https://anywhere.example", http.StatusNoContent, "*", "POST, OPTIONS"},
	} {
		w := serve(testHandler(c.origins...), c.method, c.origin, unknownSID)
		if w.Code != c.status || w.Header().Get("Access-Control-Allow-Origin") != c.allowed || w.Header().Get("Access-Control-Allow-Methods") != c.method2 {
			t.Errorf("%v: %s from %q: %d, allow-origin %q, allow-methods %q; want %d, %q, %q", c.origins, c.method, c.origin,
				w.Code, w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Access-Control-Allow-Methods"), c.status, c.allowed, c.method2)
		}
	}
}

// TestTerminalConditions: what the handler refuses before any session
// is involved.
func TestTerminalConditions(t *testing.T) {
	h := testHandler("*")
	for _, c := range []struct{ body, want string }{
		{"<body xmlns='" + nsHTTPBind + "' rid='1' sid='x'/>", "item-not-found"},
		{"<body xmlns='" + nsHTTPBind + "' rid='1'/>", "improper-addressing"},
		{"<body xmlns='" + nsHTTPBind + "' rid='1' to='example.org'/>", "host-unknown"},
		{"<body xmlns='" + nsHTTPBind + "' rid='1' sid='x' type='bogus'/>", "bad-request"},
		{"<body xmlns='" + nsHTTPBind + "' rid='1' sid='x' wait='-1'/>", "bad-request"},
		{"<body xmlns='" + nsHTTPBind + "' sid='x'/>", "bad-request"},
		{"<body xmlns='" + nsHTTPBind + "' rid='1' sid='x'><message", "bad-request"},
		{"<body xmlns='" + nsHTTPBind + "' rid='1' sid='x'>" + strings.Repeat(" ", 2048) + "</body>", "policy-violation"},
	} {
		w := serve(h, http.MethodPost, "", c.body)
		want := "<body xmlns='" + nsHTTPBind + "' type='terminate' condition='" + c.want + "'/>"
		if w.Code != http.StatusOK || w.Body.String() != want || w.Header().Get("Content-Type") != "text/xml; charset=utf-8" {
			t.Errorf("%.60s: %d %s, want %s", c.body, w.Code, w.Body, want)
		}
	}
	if w := serve(h, http.MethodGet, "", ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", w.Code)
	}
}
