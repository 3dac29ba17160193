package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

const token = "0123456789abcdef-token"

// fakeBackend keeps accounts and sessions in maps and records what the
// API asked of it.
type fakeBackend struct {
	passwords map[string]string
	sessions  []Session
	kicked    []string
	broadcast []string
	plugins   map[string]bool
	reloads   int
}

func newFake() *fakeBackend {
	return &fakeBackend{
		passwords: map[string]string{"root": "rootpw", "alice": "alicepw"},
		sessions:  []Session{{JID: "alice@example.org/phone", Account: "alice@example.org", Resource: "phone", Address: "192.0.2.1:4000", Secure: true}},
		plugins:   map[string]bool{"roster": true},
	}
}

func (f *fakeBackend) Users(context.Context) ([]string, error) {
	var out []string
	for u := range f.passwords {
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeBackend) CreateUser(_ context.Context, _, u, pw string) error {
	if _, ok := f.passwords[u]; ok {
		return storage.ErrExists
	}
	f.passwords[u] = pw
	return nil
}

func (f *fakeBackend) DeleteUser(_ context.Context, _, u string) error {
	if _, ok := f.passwords[u]; !ok {
		return fmt.Errorf("deleting: %w", storage.ErrNotFound)
	}
	delete(f.passwords, u)
	return nil
}

func (f *fakeBackend) SetPassword(_ context.Context, _, u, pw string) error {
	if _, ok := f.passwords[u]; !ok {
		return storage.ErrNotFound
	}
	f.passwords[u] = pw
	return nil
}

func (f *fakeBackend) CheckPassword(_ context.Context, _, u, pw string) (bool, error) {
	p, ok := f.passwords[u]
	return ok && p == pw, nil
}

func (f *fakeBackend) Sessions() []Session { return slices.Clone(f.sessions) }

func (f *fakeBackend) Kick(j string) int {
	n := 0
	for _, s := range f.sessions {
		if s.JID == j || s.Account == j {
			n++
		}
	}
	f.kicked = append(f.kicked, j)
	return n
}

func (f *fakeBackend) Broadcast(m string) int {
	f.broadcast = append(f.broadcast, m)
	return len(f.sessions)
}

func (f *fakeBackend) Plugins() []Plugin {
	var out []Plugin
	for name, on := range f.plugins {
		out = append(out, Plugin{Name: name, Enabled: on})
	}
	return out
}

func (f *fakeBackend) SetPluginEnabled(_ context.Context, name string, on bool) (bool, error) {
	if _, ok := f.plugins[name]; !ok {
		return false, nil
	}
	f.plugins[name] = on
	return true, nil
}

func (f *fakeBackend) Status(context.Context) (Status, error) {
	return Status{Version: "test", Domain: "example.org", Sessions: len(f.sessions), Accounts: len(f.passwords)}, nil
}

func (f *fakeBackend) Reload(context.Context) error { f.reloads++; return nil }

func newTestServer(t *testing.T, f *fakeBackend) *httptest.Server {
	t.Helper()
	h := New(Config{Domain: "example.org", Token: token, Admins: []string{"root@example.org"}, MaxBodyBytes: 1024, Timeout: 10 * time.Second}, f, hclog.NewNullLogger())
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request with the given Authorization header value ("" for
// none) and returns the status and the decoded JSON body.
func do(t *testing.T, srv *httptest.Server, method, path, authz, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q, want JSON", method, path, ct)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: the body is not a JSON object: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func basic(user, pw string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pw)
	return req.Header.Get("Authorization")
}

// TestRefusedWithoutRightCredentials: every endpoint answers 401 with a
// JSON error to no credentials, a wrong token, a wrong admin password,
// and an ordinary account's right password; and changes nothing.
func TestRefusedWithoutRightCredentials(t *testing.T) {
	f := newFake()
	srv := newTestServer(t, f)
	endpoints := [][3]string{
		{"GET", "/api/status", ""},
		{"GET", "/api/users", ""},
		{"POST", "/api/users", `{"username":"mallory","password":"x"}`},
		{"DELETE", "/api/users/alice", ""},
		{"PUT", "/api/users/alice/password", `{"password":"x"}`},
		{"GET", "/api/sessions", ""},
		{"POST", "/api/sessions/kick", `{"jid":"alice@example.org"}`},
		{"POST", "/api/broadcast", `{"message":"hi"}`},
		{"GET", "/api/plugins", ""},
		{"POST", "/api/plugins/roster/disable", ""},
		{"POST", "/api/reload", ""},
	}
	for _, authz := range []string{"", "Bearer wrong-token-0123456789", "Bearer ", basic("root", "wrong"), basic("alice", "alicepw"), basic("alice@example.org", "alicepw"), "Basic !!!"} {
		for _, e := range endpoints {
			code, body := do(t, srv, e[0], e[1], authz, e[2])
			if code != http.StatusUnauthorized || body["error"] == "" {
				t.Errorf("%s %s with %q: %d %v; want 401 and an error", e[0], e[1], authz, code, body)
			}
		}
	}
	if len(f.passwords) != 2 || f.passwords["alice"] != "alicepw" || len(f.kicked) > 0 || len(f.broadcast) > 0 || !f.plugins["roster"] || f.reloads > 0 {
		t.Errorf("a refused request changed something: %+v", f)
	}
}

// TestEveryEndpoint: with the token or an admin's password, each endpoint
// does its job and says so; each mistake gets its own status.
func TestEveryEndpoint(t *testing.T) {
	f := newFake()
	srv := newTestServer(t, f)
	tok, root := "Bearer "+token, basic("root", "rootpw")
	for _, tc := range []struct {
		method, path, authz, body string
		want                      int
		wantKey                   string
	}{
		{"GET", "/api/status", tok, "", 200, "version"},
		{"GET", "/api/status", root, "", 200, "uptime_seconds"},
		{"GET", "/api/status", basic("root@example.org", "rootpw"), "", 200, "domain"},
		{"GET", "/api/users", tok, "", 200, "users"},
		{"POST", "/api/users", tok, `{"username":"bob","password":"bobpw"}`, 201, "jid"},
		{"POST", "/api/users", tok, `{"username":"bob","password":"again"}`, 409, "error"},
		{"POST", "/api/users", tok, `{"username":"carol@elsewhere.org","password":"x"}`, 400, "error"},
		{"POST", "/api/users", tok, `{"username":"a b","password":"x"}`, 400, "error"},
		{"POST", "/api/users", tok, `{"username":"carol","password":""}`, 400, "error"},
		{"POST", "/api/users", tok, `{"username":"carol","password":"x","admin":true}`, 400, "error"},
		{"POST", "/api/users", tok, `{"username":"carol"`, 400, "error"},
		{"POST", "/api/users", tok, `{"username":"carol","password":"` + strings.Repeat("x", 2000) + `"}`, 413, "error"},
		{"PUT", "/api/users/bob/password", tok, `{"password":"new"}`, 200, "jid"},
		{"PUT", "/api/users/nobody/password", tok, `{"password":"new"}`, 404, "error"},
		{"DELETE", "/api/users/bob", root, "", 200, "deleted"},
		{"DELETE", "/api/users/bob", root, "", 404, "error"},
		{"GET", "/api/sessions", tok, "", 200, "sessions"},
		{"POST", "/api/sessions/kick", tok, `{"jid":"alice@example.org/phone"}`, 200, "ended"},
		{"POST", "/api/sessions/kick", tok, `{"jid":"alice@example.org/laptop"}`, 404, "error"},
		{"POST", "/api/sessions/kick", tok, `{"jid":"example.org"}`, 400, "error"},
		{"POST", "/api/broadcast", tok, `{"message":"maintenance at noon"}`, 200, "delivered"},
		{"POST", "/api/broadcast", tok, `{"message":"  "}`, 400, "error"},
		{"GET", "/api/plugins", tok, "", 200, "plugins"},
		{"POST", "/api/plugins/roster/disable", tok, "", 200, "plugins"},
		{"POST", "/api/plugins/nosuch/disable", tok, "", 404, "error"},
		{"POST", "/api/plugins/roster/explode", tok, "", 404, "error"},
		{"POST", "/api/reload", tok, "", 200, "reloaded"},
		{"GET", "/api/nothing", tok, "", 404, "error"},
		{"GET", "/api/reload", tok, "", 405, "error"},
		{"DELETE", "/api/users", tok, "", 405, "error"},
	} {
		code, body := do(t, srv, tc.method, tc.path, tc.authz, tc.body)
		if code != tc.want || body[tc.wantKey] == nil {
			t.Errorf("%s %s %.40s: %d %v; want %d with %q", tc.method, tc.path, tc.body, code, body, tc.want, tc.wantKey)
		}
	}
	if _, ok := f.passwords["bob"]; ok {
		t.Error("bob was not deleted")
	}
	if !slices.Equal(f.kicked, []string{"alice@example.org/phone", "alice@example.org/laptop"}) {
		t.Errorf("kicked %v", f.kicked)
	}
	if !slices.Equal(f.broadcast, []string{"maintenance at noon"}) {
		t.Errorf("broadcast %v", f.broadcast)
	}
	if f.plugins["roster"] || f.reloads != 1 {
		t.Errorf("roster enabled %v, reloads %d; want disabled and 1", f.plugins["roster"], f.reloads)
	}
}

// TestWrongMethod: an endpoint asked with a method it does not take
// answers 405 with the methods it takes in Allow.
func TestWrongMethod(t *testing.T) {
	srv := newTestServer(t, newFake())
	for path, want := range map[string]string{
		"/api/reload":            "POST",
		"/api/users":             "GET, POST",
		"/api/users/bob":         "DELETE",
		"/api/plugins/roster/on": "POST",
	} {
		req, _ := http.NewRequest("PATCH", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != want {
			t.Errorf("PATCH %s: %s, Allow %q; want 405 and %q", path, resp.Status, resp.Header.Get("Allow"), want)
		}
	}
}

// TestBodyMustBeJSON: a body sent as a form, as a cross-site page could
// send one, is refused.
func TestBodyMustBeJSON(t *testing.T) {
	f := newFake()
	srv := newTestServer(t, f)
	req, _ := http.NewRequest("POST", srv.URL+"/api/users", strings.NewReader(`{"username":"bob","password":"x"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("status %d, want 415", resp.StatusCode)
	}
	if _, ok := f.passwords["bob"]; ok {
		t.Error("bob was created")
	}
}

// TestPageServed: the page and its script come without credentials, with
// a policy that allows no script but its own.
func TestPageServed(t *testing.T) {
	srv := newTestServer(t, newFake())
	for path, want := range map[string]string{"/": "<form id=\"login\">", "/admin.js": "/api/sessions/kick", "/admin.css": "table"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s: %d, CSP %q, body has %q: %v", path, resp.StatusCode, resp.Header.Get("Content-Security-Policy"), want, strings.Contains(string(b), want))
		}
	}
}
