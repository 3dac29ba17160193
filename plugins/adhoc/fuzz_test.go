package adhoc

import (
	"context"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// fuzzable is the plugin with one session id the fuzzer can know: a
// command that names sessionid 'fuzz' finds a session of its node open,
// as if it had just been executed, so that the forms filled in reach the
// commands. Session ids are random otherwise.
type fuzzable struct{ *AdHoc }

func (w fuzzable) Describe() sdk.Description {
	d := w.AdHoc.Describe()
	handle := d.Routes[0].Handle
	d.Routes[0].Handle = func(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
		if cmd := req.Stanza.ChildElements(); len(cmd) > 0 && cmd[0].SelectAttrValue("sessionid", "") == "fuzz" {
			w.mu.Lock()
			w.sessions["fuzz"] = &session{node: cmd[0].SelectAttrValue("node", ""), owner: req.From, expires: time.Now().Add(time.Minute)}
			w.mu.Unlock()
		}
		return handle(ctx, req)
	}
	return d
}

func FuzzAdHoc(f *testing.F) {
	const admin = "juliet@localhost/balcony"
	setup := func(h *sdktest.Harness) {
		for _, u := range []string{"juliet", "romeo"} {
			if err := h.Accounts().Create(context.Background(), u, "secret"); err != nil {
				f.Fatal(err)
			}
		}
		h.SetSessions("romeo@localhost", sdk.Session{JID: "romeo@localhost/orchard", SessionID: "s1", Available: true})
		h.SetSessions("juliet@localhost", sdk.Session{JID: admin, SessionID: "s2", Available: true})
	}
	opts := sdktest.Options{Domain: "localhost", Config: map[string]any{"admins": []string{"juliet@localhost"}}, Setup: setup}
	cmd := func(node, rest string) string {
		return "<iq type='set' id='c' to='localhost'><command xmlns='http://jabber.org/protocol/commands' node='" + NSAdmin + "#" + node + "'" + rest + "</command></iq>"
	}
	form := func(fields string) string {
		return " sessionid='fuzz' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>" + NSAdmin + "</value></field>" + fields + "</x>"
	}
	sdktest.FuzzStanzas(f, fuzzable{New()}, opts, admin,
		cmd("add-user", " action='execute'>"),
		cmd("add-user", form("<field var='accountjid'><value>paris@localhost</value></field><field var='password'><value>pw</value></field><field var='password-verify'><value>pw</value></field>")),
		cmd("delete-user", form("<field var='accountjids'><value>paris@localhost</value><value>tybalt@localhost</value></field>")),
		cmd("end-user-session", form("<field var='accountjids'><value>romeo@localhost/orchard</value><value>romeo@localhost</value></field>")),
		cmd("change-user-password", form("<field var='accountjid'><value>romeo@localhost</value></field><field var='password'><value>new</value></field>")),
		cmd("get-registered-users-num", ">"),
		cmd("get-registered-users-list", form("<field var='max_items'><value>25</value></field>")),
		cmd("get-online-users-num", " action='execute'>"),
		cmd("get-online-users-list", form("<field var='max_items'><value>all</value></field>")),
		cmd("announce", form("<field var='subject'><value>Maintenance</value></field><field var='announcement'><value>down at 5</value><value>back at 6</value></field>")),
		cmd("announce", " sessionid='fuzz' action='cancel'>"))
}
