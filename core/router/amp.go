package router

import (
	"bytes"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// XEP-0079 advanced message processing: a sender attaches rules to a
// message ("if it would only be stored offline, tell me and drop it") and
// the server applies the first rule whose condition holds before it
// delivers. Supported: conditions deliver (direct, stored, none),
// expire-at and match-resource (any, exact, other); actions alert, drop,
// error and notify. Messages without <amp/> never reach this code.
const nsAMP = "http://jabber.org/protocol/amp"

type ampRule struct {
	condition, value, action string
}

// ampRules reads the rules of a message, if it has any.
func (d *delivery) ampRules() []ampRule {
	if !bytes.Contains(d.el.Inner(), []byte(nsAMP)) {
		return nil
	}
	dom, err := d.el.DOM()
	if err != nil {
		return nil
	}
	for _, c := range dom.ChildElements() {
		if c.Tag != "amp" || c.NamespaceURI() != nsAMP {
			continue
		}
		var rules []ampRule
		for _, r := range c.SelectElements("rule") {
			rules = append(rules, ampRule{r.SelectAttrValue("condition", ""), r.SelectAttrValue("value", ""), r.SelectAttrValue("action", "")})
		}
		return rules
	}
	return nil
}

func (r ampRule) supported() (condition, action bool) {
	switch r.condition {
	case "deliver":
		condition = r.value == "direct" || r.value == "stored" || r.value == "none"
	case "match-resource":
		condition = r.value == "any" || r.value == "exact" || r.value == "other"
	case "expire-at":
		_, err := time.Parse(time.RFC3339, r.value)
		condition = err == nil
	}
	switch r.action {
	case "alert", "drop", "error", "notify":
		action = true
	}
	return condition, action
}

// applyAMP evaluates a message's rules where routing is about to deliver
// it; it reports whether routing goes on.
func (d *delivery) applyAMP() bool {
	rules := d.ampRules()
	if len(rules) == 0 {
		return true
	}
	if d.ampUnsupported(rules) {
		return false
	}
	for _, r := range rules {
		if !d.ampHolds(r) {
			continue
		}
		switch r.action {
		case "drop":
			return false
		case "error":
			d.bounce(d.el.Attr("to"), &stanza.Error{Condition: stanza.UndefinedCondition, AppSpace: nsAMP, AppLocal: "failed-rules"})
			return false
		case "alert":
			d.ampReply("alert", r)
			return false
		case "notify":
			d.ampReply("notify", r)
			return true
		}
	}
	return true
}

func (d *delivery) ampUnsupported(rules []ampRule) bool {
	for _, r := range rules {
		c, a := r.supported()
		if c && a {
			continue
		}
		kind := "unsupported-conditions"
		if c {
			kind = "unsupported-actions"
		}
		d.bounce(d.el.Attr("to"), &stanza.Error{Type: stanza.Modify, Condition: stanza.BadRequest, AppSpace: nsAMP, AppLocal: kind})
		return true
	}
	return false
}

// ampHolds evaluates a condition against what routing would do now.
func (d *delivery) ampHolds(r ampRule) bool {
	switch r.condition {
	case "expire-at":
		t, _ := time.Parse(time.RFC3339, r.value)
		return !time.Now().Before(t)
	case "match-resource":
		exact := d.to.Resource != "" && d.r.sessions.Lookup(d.to.Bare(), d.to.Resource) != nil
		switch r.value {
		case "any":
			return true
		case "exact":
			return exact
		default: // other: it would reach some resource, not the one named
			return !exact && d.anyAvailable()
		}
	default: // deliver
		return r.value == d.ampDeliver()
	}
}

// ampDeliver says how the message would be delivered: to a session now,
// kept offline for an existing account, or not at all.
func (d *delivery) ampDeliver() string {
	if d.to.Resource != "" && d.r.sessions.Lookup(d.to.Bare(), d.to.Resource) != nil {
		return "direct"
	}
	if d.anyAvailable() {
		return "direct"
	}
	if ok, err := d.r.accounts.Exists(d.ctx, d.to.Domain, d.to.Local); err == nil && ok && d.r.handlers != nil {
		return "stored"
	}
	return "none"
}

func (d *delivery) anyAvailable() bool {
	for _, s := range d.r.sessions.Resources(d.to.Bare()) {
		if ok, prio := s.Presence(); ok && prio >= 0 {
			return true
		}
	}
	return false
}

// ampReply tells the sender a rule triggered (XEP-0079 §3.4).
func (d *delivery) ampReply(status string, r ampRule) {
	if d.from == nil {
		return
	}
	b := append([]byte(nil), "<message from='"...)
	b = stream.AppendEscapedAttr(b, d.to.Domain)
	b = append(b, "' to='"...)
	b = stream.AppendEscapedAttr(b, d.sender)
	if id := d.el.Attr("id"); id != "" {
		b = append(b, "' id='"...)
		b = stream.AppendEscapedAttr(b, id)
	}
	b = append(b, "'><amp xmlns='"+nsAMP+"' status='"+status+"' to='"...)
	b = stream.AppendEscapedAttr(b, d.to.String())
	b = append(b, "' from='"...)
	b = stream.AppendEscapedAttr(b, d.sender)
	b = append(b, "'><rule condition='"...)
	b = stream.AppendEscapedAttr(b, r.condition)
	b = append(b, "' value='"...)
	b = stream.AppendEscapedAttr(b, r.value)
	b = append(b, "' action='"...)
	b = stream.AppendEscapedAttr(b, r.action)
	b = append(b, "'/></amp></message>"...)
	d.from.Sink.Deliver(b)
}
