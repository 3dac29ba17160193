package adhoc_test

import (
	"slices"
	"testing"
)

// XEP-0050 §3: execute answers with the form, an executing status and a
// session; complete with the form filled in runs the command.
func TestAddUser(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	node := nsAdmin + "#add-user"
	cmd := execute(t, h, admin, node)
	id := cmd.SelectAttrValue("sessionid", "")
	if cmd.SelectAttrValue("status", "") != "executing" || id == "" {
		t.Fatalf("execute answered %v, want status executing with a session", cmd)
	}
	if a := cmd.SelectElement("actions"); a == nil || a.SelectAttrValue("execute", "") != "complete" || a.SelectElement("complete") == nil {
		t.Errorf("actions %v, want execute='complete' with <complete/>", a)
	}
	var vars []string
	for _, f := range cmd.SelectElement("x").SelectElements("field") {
		vars = append(vars, f.SelectAttrValue("var", ""))
	}
	if want := []string{"FORM_TYPE", "accountjid", "password", "password-verify"}; !slices.Equal(vars, want) {
		t.Errorf("form fields %v, want %v", vars, want)
	}
	r := submit(h, admin, node, id, "complete", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"s3cret"}, "password-verify": {"s3cret"}})
	done := commandOf(t, r)
	if done.SelectAttrValue("status", "") != "completed" || done.SelectAttrValue("sessionid", "") != id {
		t.Errorf("complete answered %v, want status completed in the same session", done)
	}
	if pw, ok := h.Password("tybalt"); !ok || pw != "s3cret" {
		t.Errorf("account tybalt: password %q, exists %v", pw, ok)
	}
	if got := notes(done); !slices.Equal(got, []string{"info: Created tybalt@localhost."}) {
		t.Errorf("notes %v", got)
	}
	// The session is over.
	r = submit(h, admin, node, id, "complete", map[string][]string{"accountjid": {"mercutio@localhost"}, "password": {"x"}})
	wantErr(t, r, "bad-request", "bad-sessionid")
}

func TestAddUserRefusals(t *testing.T) {
	node := nsAdmin + "#add-user"
	for _, tt := range []struct {
		name     string
		fields   map[string][]string
		cond     string
		app      string
		existing bool
	}{
		{"account exists", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}}, "conflict", "", true},
		{"passwords differ", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}, "password-verify": {"wp"}}, "bad-request", "bad-payload", false},
		{"empty password", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {""}}, "bad-request", "bad-payload", false},
		{"other domain", map[string][]string{"accountjid": {"tybalt@example.org"}, "password": {"pw"}}, "bad-request", "bad-payload", false},
		{"full JID", map[string][]string{"accountjid": {"tybalt@localhost/x"}, "password": {"pw"}}, "bad-request", "bad-payload", false},
		{"no JID", map[string][]string{"password": {"pw"}}, "bad-request", "bad-payload", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHarness(t, adminConfig, false)
			if tt.existing {
				if err := h.Accounts().Create(t.Context(), "tybalt", "old"); err != nil {
					t.Fatal(err)
				}
			}
			id := execute(t, h, admin, node).SelectAttrValue("sessionid", "")
			wantErr(t, submit(h, admin, node, id, "complete", tt.fields), tt.cond, tt.app)
			if pw, _ := h.Password("tybalt"); tt.existing && pw != "old" {
				t.Errorf("the existing account's password changed to %q", pw)
			}
		})
	}
}

// Execute in a later stage means the default action, complete (XEP-0050
// §3.4); so does a form sent without an action.
func TestDefaultActionCompletes(t *testing.T) {
	for _, action := range []string{"execute", ""} {
		h, _ := newHarness(t, adminConfig, false)
		node := nsAdmin + "#add-user"
		id := execute(t, h, admin, node).SelectAttrValue("sessionid", "")
		r := submit(h, admin, node, id, action, map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}})
		if got := commandOf(t, r).SelectAttrValue("status", ""); got != "completed" {
			t.Errorf("action %q: status %s, want completed", action, got)
		}
	}
}

func TestCancel(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	node := nsAdmin + "#add-user"
	id := execute(t, h, admin, node).SelectAttrValue("sessionid", "")
	done := commandOf(t, submit(h, admin, node, id, "cancel", nil))
	if done.SelectAttrValue("status", "") != "canceled" {
		t.Errorf("cancel answered %v, want status canceled", done)
	}
	wantErr(t, submit(h, admin, node, id, "complete", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}}), "bad-request", "bad-sessionid")
	if _, ok := h.Password("tybalt"); ok {
		t.Error("a canceled command created the account")
	}
}

// A session belongs to the resource that started it, and to its command.
func TestSessionIsTheRequesters(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	node := nsAdmin + "#add-user"
	id := execute(t, h, admin, node).SelectAttrValue("sessionid", "")
	fields := map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}}
	wantErr(t, submit(h, "juliet@localhost/chamber", node, id, "complete", fields), "bad-request", "bad-sessionid")
	wantErr(t, submit(h, admin, nsAdmin+"#change-user-password", id, "complete", fields), "bad-request", "bad-sessionid")
	if got := commandOf(t, submit(h, admin, node, id, "complete", fields)).SelectAttrValue("status", ""); got != "completed" {
		t.Errorf("the owner could not complete its session: %s", got)
	}
}

// One stage only: prev and next are bad actions, and a missing form is a
// bad payload; neither ends the session.
func TestBadActionsKeepTheSession(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	node := nsAdmin + "#add-user"
	id := execute(t, h, admin, node).SelectAttrValue("sessionid", "")
	wantErr(t, submit(h, admin, node, id, "prev", nil), "bad-request", "bad-action")
	wantErr(t, submit(h, admin, node, id, "next", nil), "bad-request", "bad-action")
	wantErr(t, submit(h, admin, node, id, "complete", nil), "bad-request", "bad-payload")
	r := submit(h, admin, node, id, "complete", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}})
	if got := commandOf(t, r).SelectAttrValue("status", ""); got != "completed" {
		t.Errorf("status %s, want completed", got)
	}
}

func TestSessionExpires(t *testing.T) {
	h, _ := newHarness(t, map[string]any{"admins": []string{"juliet@localhost"}, "session_timeout": "1ns"}, false)
	node := nsAdmin + "#add-user"
	id := execute(t, h, admin, node).SelectAttrValue("sessionid", "")
	r := submit(h, admin, node, id, "complete", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}})
	wantErr(t, r, "not-allowed", "session-expired")
	wantErr(t, submit(h, admin, node, id, "cancel", nil), "bad-request", "bad-sessionid")
}

// An account may keep a bounded number of commands waiting.
func TestTooManySessions(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	node := nsAdmin + "#add-user"
	var first string
	for i := range 16 {
		id := execute(t, h, admin, node).SelectAttrValue("sessionid", "")
		if i == 0 {
			first = id
		}
	}
	r := h.Handle(`<iq type='set' id='e1' to='localhost'><command xmlns='http://jabber.org/protocol/commands' node='`+node+`'/></iq>`, "juliet@localhost/chamber")
	wantErr(t, r, "resource-constraint", "")
	commandOf(t, submit(h, admin, node, first, "cancel", nil))
	execute(t, h, "juliet@localhost/chamber", node)
}
