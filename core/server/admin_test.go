package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/admin"
	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

const adminToken = "test-admin-token-0123456789"

// withAdmin turns the admin API on, with carol as the admin account: she
// is listed where the adhoc plugin's admins are, though adhoc itself is
// not run here.
func withAdmin(c *config.Config) {
	off := false
	c.Listen.Admin = "127.0.0.1:0"
	c.Admin.Token = adminToken
	c.Plugins["adhoc"] = config.Plugin{Enabled: &off, Config: map[string]any{"admins": []any{"carol@localhost"}}}
}

// startAdmin starts a server with the admin API on; builtins are the
// test plugins it runs.
func startAdmin(t *testing.T, builtins ...string) *testServer {
	t.Helper()
	return startWith(t, withAdmin, func(c *config.Config) Options {
		o := withPlugins(append(builtins, "adhoc")...)(c)
		o.Version = "switchboard test"
		o.LoadConfig = func() (*config.Config, error) { return testConfig(t, withAdmin), nil }
		return o
	})
}

func pluginNamed(ps []admin.Plugin, name string) admin.Plugin {
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return admin.Plugin{}
}

// adminCall sends a request to the admin API with the token and decodes
// the answer into out (when not nil); it returns the status.
func adminCall(t *testing.T, s *testServer, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.AdminAddr().String()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decoding the answer: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// TestAdminSessionsKickAndBroadcast: a logged-in client is listed with its
// full JID, address and encryption; an announcement reaches it; kicking
// it closes its stream with policy-violation.
func TestAdminSessionsKickAndBroadcast(t *testing.T) {
	s := startAdmin(t)
	c, full := s.login(t, "alice", "phone")

	var list struct{ Sessions []admin.Session }
	if code := adminCall(t, s, "GET", "/api/sessions", "", &list); code != 200 || len(list.Sessions) != 1 {
		t.Fatalf("sessions: %d %+v", code, list)
	}
	got := list.Sessions[0]
	if got.JID != full || got.Resource != "phone" || got.Account != "alice@localhost" || !got.Secure || !strings.HasPrefix(got.Address, "127.0.0.1:") || got.Since.IsZero() {
		t.Errorf("session listed as %+v; want %s, secure, from 127.0.0.1", got, full)
	}

	var sent struct{ Delivered int }
	if code := adminCall(t, s, "POST", "/api/broadcast", `{"message":"restart at <noon> & after"}`, &sent); code != 200 || sent.Delivered != 1 {
		t.Fatalf("broadcast: %d %+v", code, sent)
	}
	m, err := c.Expect(rawxmpp.Is("message"))
	if err != nil {
		t.Fatal(err)
	}
	if m.SelectAttrValue("from", "") != "localhost" || m.SelectAttrValue("type", "") != "headline" || m.SelectElement("body").Text() != "restart at <noon> & after" {
		t.Errorf("announcement arrived as %s", rawxmpp.Describe(m))
	}

	if code := adminCall(t, s, "POST", "/api/sessions/kick", `{"jid":"`+full+`"}`, nil); code != 200 {
		t.Fatalf("kick: %d", code)
	}
	expectStreamError(t, c, "policy-violation")
	waitFor(t, "the session to be gone", func() bool { return s.Sessions().Len() == 0 })
}

// TestAdminAccounts: an account created through the API can log in; its
// password reset takes; deleting it ends its session.
func TestAdminAccounts(t *testing.T) {
	s := startAdmin(t)
	if code := adminCall(t, s, "POST", "/api/users", `{"username":"dave","password":"first"}`, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if _, _, err := rawxmpp.Login(s.starttls, domain, "dave", "first", "r"); err != nil {
		t.Fatalf("the new account cannot log in: %v", err)
	}
	if code := adminCall(t, s, "PUT", "/api/users/dave/password", `{"password":"second"}`, nil); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	c, _, err := rawxmpp.Login(s.starttls, domain, "dave", "second", "r")
	if err != nil {
		t.Fatalf("the new password does not log in: %v", err)
	}
	defer c.Conn.Close()
	var users struct{ Users []string }
	adminCall(t, s, "GET", "/api/users", "", &users)
	if strings.Join(users.Users, ",") != "alice,bob,carol,dave" {
		t.Errorf("users %v", users.Users)
	}
	if code := adminCall(t, s, "DELETE", "/api/users/dave", "", nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	expectStreamError(t, c, "not-authorized")
	if ok, _ := s.Accounts().Exists(context.Background(), domain, "dave"); ok {
		t.Error("dave still exists")
	}
}

// TestAdminAccountEvents: plugins hear of an account the admin API
// creates and deletes, as of one registered or cancelled in-band, so that
// they remove what they keep of a deleted account.
func TestAdminAccountEvents(t *testing.T) {
	s := startAdmin(t, "watcher")
	if code := adminCall(t, s, "POST", "/api/users", `{"username":"dave","password":"pw"}`, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if code := adminCall(t, s, "DELETE", "/api/users/dave", "", nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	c, _ := s.login(t, "alice", "a")
	want := []string{"created dave@localhost", "deleted dave@localhost"}
	var got []string
	waitFor(t, "the account events", func() bool {
		c.Send("<iq type='get' to='localhost' id='ev'><q xmlns='urn:test:events'/></iq>")
		res, err := c.Expect(rawxmpp.ID("ev"))
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, e := range res.FindElements("events/e") {
			if strings.Contains(e.Text(), "dave@") {
				got = append(got, e.Text())
			}
		}
		return len(got) >= len(want)
	})
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

// TestAdminPasswordLogin: an admin account's password lets it in, an
// ordinary account's does not.
func TestAdminPasswordLogin(t *testing.T) {
	s := startAdmin(t)
	for user, want := range map[string]int{"carol": 200, "carol@localhost": 200, "alice": 401} {
		req, _ := http.NewRequest("GET", "http://"+s.AdminAddr().String()+"/api/status", nil)
		req.SetBasicAuth(user, "secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", user, resp.StatusCode, want)
		}
	}
}

// TestAdminPluginsAndReload: disabling a plugin through the API stops it
// as a config change and reload would, a reload of the file keeps the
// override, and enabling it starts it again.
func TestAdminPluginsAndReload(t *testing.T) {
	s := startAdmin(t, "echo")
	c, _ := s.login(t, "alice", "r")
	echoIQ(t, c, "before", nsEcho, "")

	var plugins struct{ Plugins []admin.Plugin }
	code := adminCall(t, s, "POST", "/api/plugins/echo/disable", "", &plugins)
	if p := pluginNamed(plugins.Plugins, "echo"); code != 200 || p.Enabled || p.State != "disabled" || p.Override == nil {
		t.Fatalf("disable: %d %+v", code, plugins)
	}
	c.Sendf("<iq type='get' to='localhost' id='off'><q xmlns='%s'/></iq>", nsEcho)
	expectStanzaError(t, c, "off", "service-unavailable")

	if code := adminCall(t, s, "POST", "/api/reload", "", nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	c.Sendf("<iq type='get' to='localhost' id='still-off'><q xmlns='%s'/></iq>", nsEcho)
	expectStanzaError(t, c, "still-off", "service-unavailable")

	if code := adminCall(t, s, "POST", "/api/plugins/echo/enable", "", &plugins); code != 200 || pluginNamed(plugins.Plugins, "echo").State != "running" {
		t.Fatalf("enable: %d %+v", code, plugins)
	}
	echoIQ(t, c, "after", nsEcho, "")

	var st admin.Status
	if code := adminCall(t, s, "GET", "/api/status", "", &st); code != 200 || st.Version != "switchboard test" || st.Sessions != 1 || st.Accounts != 3 || st.PluginsRunning != 1 || st.UptimeSeconds <= 0 {
		t.Errorf("status: %d %+v", code, st)
	}
}
