package roster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleIQ serves roster gets and sets (RFC 6121 §2.1.3, §2.3, §2.5). A
// roster belongs to its account alone: an IQ addressed to another user's
// bare JID is forbidden (§2.1.5 leaves it to the server; Prosody and
// ejabberd refuse it too).
func (r *Roster) handleIQ(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	owner := bareOf(req.From)
	if req.To != owner {
		return nil, stanza.Errorf(stanza.Forbidden, "a roster can only be read or changed by its own account")
	}
	q := req.Stanza.ChildElements()[0] // an IQ get or set has exactly one child
	if q.Tag != "query" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected <query xmlns='"+NS+"'/>")
	}
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		return r.get(ctx, req, owner, q)
	}
	return nil, r.set(ctx, owner, q)
}

// get answers with the roster, or, when the client's cached version is the
// current one, with an empty result (RFC 6121 §2.6.3): the changes that
// follow arrive as pushes. Either way the resource becomes interested.
func (r *Roster) get(ctx context.Context, req *sdk.Request, owner string, q *etree.Element) (*etree.Element, error) {
	host, _, _ := r.env()
	r.remember(owner, req.SessionID, req.From)
	st := host.Store(owner)
	ver, err := version(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("reading the roster version of %s: %w", owner, err)
	}
	if a := q.SelectAttr("ver"); a != nil && a.Value == ver {
		return nil, nil
	}
	entries, err := loadAll(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("reading the roster of %s: %w", owner, err)
	}
	out := query(ver)
	for _, e := range entries {
		if e.rec.listed() {
			out.AddChild(elementOf(itemOf(e.contact, e.rec)))
		}
	}
	return out, nil
}

// set adds, updates (§2.3) or removes (§2.5) one item.
func (r *Roster) set(ctx context.Context, owner string, q *etree.Element) error {
	children := q.ChildElements()
	if len(children) != 1 || children[0].Tag != "item" {
		return stanza.Errorf(stanza.BadRequest, "a roster set carries exactly one <item/>")
	}
	it := children[0]
	if it.SelectAttrValue("jid", "") == "" {
		return stanza.Errorf(stanza.BadRequest, "an item needs a jid")
	}
	contact, err := parseBare(it.SelectAttrValue("jid", ""))
	if err != nil {
		return stanza.Errorf(stanza.BadRequest, "the item's jid: "+err.Error())
	}
	if it.SelectAttr("ask") != nil {
		// Only presence stanzas change a subscription (§2.1.2.2).
		return stanza.Errorf(stanza.BadRequest, "a client may not set 'ask'")
	}
	// Any other value of 'subscription' is ignored, as RFC 6121 §2.1.5
	// requires: clients echo the attribute back in their sets.
	if it.SelectAttrValue("subscription", "") == "remove" {
		return r.remove(ctx, owner, contact)
	}
	if contact == owner {
		return stanza.Errorf(stanza.NotAllowed, "an account cannot be in its own roster")
	}
	_, _, cfg := r.env()
	name, groups, err := cfg.check(it)
	if err != nil {
		return err
	}
	return r.update(ctx, owner, contact, name, groups)
}

// check validates an item's name and groups against the limits.
func (c Config) check(it *etree.Element) (string, []string, error) {
	name := it.SelectAttrValue("name", "")
	if len(name) > c.MaxNameBytes {
		return "", nil, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("the name is longer than %d bytes", c.MaxNameBytes))
	}
	var groups []string
	for _, g := range it.SelectElements("group") {
		text := g.Text()
		switch {
		case strings.TrimSpace(text) == "":
			return "", nil, stanza.Errorf(stanza.NotAcceptable, "a group needs a name")
		case len(text) > c.MaxNameBytes:
			return "", nil, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("a group name is longer than %d bytes", c.MaxNameBytes))
		case slices.Contains(groups, text):
			return "", nil, stanza.Errorf(stanza.BadRequest, "the group "+text+" is listed twice")
		}
		groups = append(groups, text)
	}
	if len(groups) > c.MaxGroups {
		return "", nil, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("an item may be in at most %d groups", c.MaxGroups))
	}
	return name, groups, nil
}

// update writes an item's name and groups, adding the item when it is
// new; its subscription state is not the client's to set.
func (r *Roster) update(ctx context.Context, owner, contact, name string, groups []string) error {
	host, _, cfg := r.env()
	unlock := r.locks.lock(owner)
	defer unlock()
	st := host.Store(owner)
	before, err := load(ctx, st, contact)
	if err != nil {
		return err
	}
	// Only the owner's own items count: managed ones are the server's
	// choice, not the owner's.
	if !before.own() {
		entries, err := loadAll(ctx, st)
		if err != nil {
			return err
		}
		n := 0
		for _, e := range entries {
			if e.rec.own() {
				n++
			}
		}
		if n >= cfg.MaxItems {
			return stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("a roster holds at most %d items", cfg.MaxItems))
		}
	}
	after := before.clone()
	if after == nil {
		after = &record{Sub: "none"}
	}
	after.Hidden, after.Name, after.Groups = false, name, groups
	// A set that changes nothing is still pushed: clients wait for the
	// push to show the item (§2.3.2).
	return r.commit(ctx, []change{{owner: owner, contact: contact, before: before, after: after, force: true}})
}

// bareOf strips the resource; the first '/' ends a bare JID (RFC 7622 §3).
func bareOf(full string) string {
	bare, _, _ := strings.Cut(full, "/")
	return bare
}

// parseBare prepares a JID (RFC 7622) and refuses one with a resource:
// roster items and subscriptions are between accounts.
func parseBare(s string) (string, error) {
	j, err := jid.Parse(s)
	if err != nil {
		return "", fmt.Errorf("malformed JID %q: %w", s, err)
	}
	if j.Resourcepart() != "" {
		return "", errors.New("a bare JID is expected, not " + s)
	}
	return j.String(), nil
}
