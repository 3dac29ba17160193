package adhoc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// maxSessions bounds the commands one account may leave waiting for their
// forms; more is resource-constraint until some complete or expire.
const maxSessions = 16

// session is a command that sent its form and waits for it to come back.
type session struct {
	node    string
	owner   string // the requester's full JID: only it may go on
	expires time.Time
}

// handleCommand serves XEP-0050 §3: a command is executed, answered with
// its form (status executing, with a session id), and then completed with
// the form filled in, or canceled. A command without a form completes at
// once. The service administration commands are the admins' only.
func (a *AdHoc) handleCommand(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	el := req.Stanza.ChildElements()[0]
	node := el.SelectAttrValue("node", "")
	if el.Tag != "command" || node == "" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected <command xmlns='"+NS+"' node='…'/>")
	}
	host, admins := a.state()
	c := a.command(node)
	if c == nil || !c.available(host) {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no command "+node)
	}
	if !c.everyone && !admins[bareOf(req.From)] {
		return nil, stanza.Errorf(stanza.Forbidden, "only the server's admins may run "+c.name)
	}
	action := el.SelectAttrValue("action", "execute")
	switch action {
	case "execute", "complete", "next", "prev", "cancel":
	default:
		return nil, cmdError(stanza.BadRequest, "malformed-action", "unknown action "+action)
	}
	e := env{host: host, from: req.From}
	id := el.SelectAttrValue("sessionid", "")
	if id == "" {
		if action != "execute" {
			return nil, cmdError(stanza.BadRequest, "bad-sessionid", "action "+action+" needs the sessionid of an executing command")
		}
		return a.start(ctx, e, c)
	}
	if err := a.lookup(id, node, req.From); err != nil {
		return nil, err
	}
	switch action {
	case "prev", "next":
		return nil, cmdError(stanza.BadRequest, "bad-action", c.name+" has one stage: complete it or cancel it")
	case "cancel":
		a.end(id)
		return response(node, id, "canceled"), nil
	}
	in, ok := submitted(el)
	if !ok {
		return nil, cmdError(stanza.BadRequest, "bad-payload", "the filled-in form (type submit) is missing")
	}
	a.end(id)
	return completed(ctx, e, c, id, in)
}

// start executes a command: its form, or at once its result.
func (a *AdHoc) start(ctx context.Context, e env, c *command) (*etree.Element, error) {
	if c.form == nil {
		return completed(ctx, e, c, newSessionID(), nil)
	}
	id, err := a.open(c.node, e.from)
	if err != nil {
		return nil, err
	}
	resp := response(c.node, id, "executing")
	actions := resp.CreateElement("actions")
	actions.CreateAttr("execute", "complete")
	actions.CreateElement("complete")
	resp.AddChild(c.form())
	return resp, nil
}

// completed runs a command and writes its result: notes, then the result
// form if it has one.
func completed(ctx context.Context, e env, c *command, id string, in submission) (*etree.Element, error) {
	out, err := c.run(ctx, e, in)
	if err != nil {
		return nil, err
	}
	resp := response(c.node, id, "completed")
	for _, n := range out.notes {
		el := resp.CreateElement("note")
		el.CreateAttr("type", n.typ)
		el.SetText(n.text)
	}
	if out.form != nil {
		resp.AddChild(out.form)
	}
	return resp, nil
}

// open starts a session for a command's form, after forgetting the
// sessions that expired.
func (a *AdHoc) open(node, owner string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now, n := time.Now(), 0
	for id, s := range a.sessions {
		switch {
		case now.After(s.expires):
			delete(a.sessions, id)
		case bareOf(s.owner) == bareOf(owner):
			n++
		}
	}
	if n >= maxSessions {
		return "", stanza.Errorf(stanza.ResourceConstraint, "too many commands waiting for their forms: complete or cancel some")
	}
	id := newSessionID()
	a.sessions[id] = &session{node: node, owner: owner, expires: now.Add(a.timeout)}
	return id, nil
}

// lookup checks that a session exists for this command and requester and
// has not expired (XEP-0050 §4.6: bad-sessionid, session-expired).
func (a *AdHoc) lookup(id, node, from string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[id]
	switch {
	case s == nil || s.owner != from || s.node != node:
		return cmdError(stanza.BadRequest, "bad-sessionid", "no such session of "+node)
	case time.Now().After(s.expires):
		delete(a.sessions, id)
		return cmdError(stanza.NotAllowed, "session-expired", "the session expired: execute the command again")
	}
	return nil
}

func (a *AdHoc) end(id string) {
	a.mu.Lock()
	delete(a.sessions, id)
	a.mu.Unlock()
}

func (a *AdHoc) command(node string) *command {
	for i := range a.commands {
		if a.commands[i].node == node {
			return &a.commands[i]
		}
	}
	return nil
}

// response is <command/> with its node, session and status.
func response(node, id, status string) *etree.Element {
	el := sdk.NewElement(NS, "command")
	el.CreateAttr("node", node)
	el.CreateAttr("sessionid", id)
	el.CreateAttr("status", status)
	return el
}

// cmdError is a stanza error with an XEP-0050 §4.6 condition.
func cmdError(c stanza.Condition, app, text string) *stanza.Error {
	return &stanza.Error{Condition: c, Text: text, AppSpace: NS, AppLocal: app}
}

func newSessionID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b[:])
}

func bareOf(full string) string {
	bare, _, _ := strings.Cut(full, "/")
	return bare
}
