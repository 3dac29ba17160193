package adhoc_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// run executes a command and completes it with fields.
func run(t *testing.T, h *sdktest.Harness, node string, fields map[string][]string) sdktest.Response {
	t.Helper()
	id := execute(t, h, admin, nsAdmin+node).SelectAttrValue("sessionid", "")
	return submit(h, admin, nsAdmin+node, id, "complete", fields)
}

func createAccounts(t *testing.T, h *sdktest.Harness, users ...string) {
	t.Helper()
	for _, u := range users {
		if err := h.Accounts().Create(t.Context(), u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDeleteUser(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	createAccounts(t, h, "tybalt", "mercutio", "paris")
	r := run(t, h, "#delete-user", map[string][]string{"accountjids": {"tybalt@localhost", "rosaline@localhost", "mercutio@localhost"}})
	want := []string{"info: Deleted tybalt@localhost, mercutio@localhost.", "warn: No such account: rosaline@localhost."}
	if got := notes(commandOf(t, r)); !slices.Equal(got, want) {
		t.Errorf("notes %v, want %v", got, want)
	}
	for u, want := range map[string]bool{"tybalt": false, "mercutio": false, "paris": true} {
		if ok, _ := h.Accounts().Exists(t.Context(), u); ok != want {
			t.Errorf("%s exists = %v, want %v", u, ok, want)
		}
	}
	// One JID that is no account of the server refuses the lot.
	wantErr(t, run(t, h, "#delete-user", map[string][]string{"accountjids": {"paris@localhost", "paris@example.org"}}), "bad-request", "bad-payload")
	wantErr(t, run(t, h, "#delete-user", map[string][]string{"accountjids": {}}), "bad-request", "bad-payload")
	if ok, _ := h.Accounts().Exists(t.Context(), "paris"); !ok {
		t.Error("paris was deleted by a refused request")
	}
}

func TestChangeUserPassword(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	createAccounts(t, h, "tybalt")
	r := run(t, h, "#change-user-password", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"new"}})
	if got := notes(commandOf(t, r)); !slices.Equal(got, []string{"info: Changed the password of tybalt@localhost."}) {
		t.Errorf("notes %v", got)
	}
	if pw, _ := h.Password("tybalt"); pw != "new" {
		t.Errorf("password %q, want new", pw)
	}
	wantErr(t, run(t, h, "#change-user-password", map[string][]string{"accountjid": {"rosaline@localhost"}, "password": {"new"}}), "item-not-found", "")
	wantErr(t, run(t, h, "#change-user-password", map[string][]string{"accountjid": {"tybalt@localhost"}}), "bad-request", "bad-payload")
}

func sessions(g *gaps, ss ...sdk.Session) {
	g.mu.Lock()
	g.sessions = ss
	g.mu.Unlock()
}

var online = []sdk.Session{
	{JID: "romeo@localhost/orchard", SessionID: "s1", Available: true},
	{JID: "romeo@localhost/phone", SessionID: "s2", Available: true},
	{JID: "juliet@localhost/balcony", SessionID: "s3", Available: true},
	{JID: "nurse@localhost/kitchen", SessionID: "s4"}, // bound, no presence yet
}

// Online users are the accounts with a session, each counted once.
func TestOnlineUsers(t *testing.T) {
	h, g := newHarness(t, adminConfig, true)
	sessions(g, online...)
	num := commandOf(t, h.Handle(`<iq type='set' id='n1' to='localhost'><command xmlns='http://jabber.org/protocol/commands' node='`+nsAdmin+`#get-online-users-num' action='execute'/></iq>`, admin))
	if num.SelectAttrValue("status", "") != "completed" || !slices.Equal(values(num, "onlineusersnum"), []string{"3"}) {
		t.Errorf("get-online-users-num answered %v", num)
	}
	for _, tt := range []struct {
		max  []string
		want []string
	}{
		{nil, []string{"juliet@localhost", "nurse@localhost", "romeo@localhost"}},
		{[]string{"all"}, []string{"juliet@localhost", "nurse@localhost", "romeo@localhost"}},
		{[]string{"2"}, []string{"juliet@localhost", "nurse@localhost"}},
	} {
		fields := map[string][]string{}
		if tt.max != nil {
			fields["max_items"] = tt.max
		}
		list := commandOf(t, run(t, h, "#get-online-users-list", fields))
		if got := values(list, "onlineuserjids"); !slices.Equal(got, tt.want) {
			t.Errorf("max_items %v: listed %v, want %v", tt.max, got, tt.want)
		}
	}
	wantErr(t, run(t, h, "#get-online-users-list", map[string][]string{"max_items": {"lots"}}), "bad-request", "bad-payload")
}

func TestRegisteredUsers(t *testing.T) {
	h, g := newHarness(t, adminConfig, true)
	createAccounts(t, h, "romeo", "juliet", "tybalt")
	g.users = []string{"romeo", "juliet", "tybalt", "rosaline"}
	num := commandOf(t, h.Handle(`<iq type='set' id='n1' to='localhost'><command xmlns='http://jabber.org/protocol/commands' node='`+nsAdmin+`#get-registered-users-num'/></iq>`, admin))
	if !slices.Equal(values(num, "registeredusersnum"), []string{"3"}) {
		t.Errorf("get-registered-users-num answered %v", num)
	}
	list := commandOf(t, run(t, h, "#get-registered-users-list", map[string][]string{"max_items": {"25"}}))
	if got, want := values(list, "registereduserjids"), []string{"juliet@localhost", "romeo@localhost", "tybalt@localhost"}; !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
}

// An announcement is a headline from the server to every session that is
// showing messages.
func TestAnnounce(t *testing.T) {
	h, g := newHarness(t, adminConfig, true)
	sessions(g, online...)
	r := run(t, h, "#announce", map[string][]string{"subject": {"Maintenance"}, "announcement": {"Down at 22:00.", "Back by 22:30."}})
	if got := notes(commandOf(t, r)); !slices.Equal(got, []string{"info: Sent to 3 sessions."}) {
		t.Errorf("notes %v", got)
	}
	var to []string
	for _, m := range h.Sent() {
		if m.Tag != "message" || m.SelectAttrValue("type", "") != "headline" || m.SelectAttrValue("from", "") != "localhost" {
			t.Errorf("sent %v, want a headline from the server", m)
		}
		if m.SelectElement("subject").Text() != "Maintenance" || m.SelectElement("body").Text() != "Down at 22:00.\nBack by 22:30." {
			t.Errorf("sent %v, want the subject and the lines of the announcement", m)
		}
		to = append(to, m.SelectAttrValue("to", ""))
	}
	slices.Sort(to)
	if want := []string{"juliet@localhost/balcony", "romeo@localhost/orchard", "romeo@localhost/phone"}; !slices.Equal(to, want) {
		t.Errorf("sent to %v, want %v", to, want)
	}
	wantErr(t, run(t, h, "#announce", map[string][]string{"announcement": {"  "}}), "bad-request", "bad-payload")
}

func TestEndUserSession(t *testing.T) {
	h, g := newHarness(t, adminConfig, true)
	r := run(t, h, "#end-user-session", map[string][]string{"accountjids": {"romeo@localhost", "nurse@localhost/kitchen"}})
	if got := notes(commandOf(t, r)); len(got) != 1 || !strings.HasPrefix(got[0], "info: ") {
		t.Errorf("notes %v", got)
	}
	if want := []string{"romeo@localhost", "nurse@localhost/kitchen"}; !slices.Equal(g.ended, want) {
		t.Errorf("ended %v, want %v", g.ended, want)
	}
	wantErr(t, run(t, h, "#end-user-session", map[string][]string{"accountjids": {"localhost"}}), "bad-request", "bad-payload")
}
