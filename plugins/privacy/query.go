package privacy

import (
	"context"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handlePrivacy serves jabber:iq:privacy (XEP-0016 §2.3–2.8) for the
// sender's own account. A set carries exactly one of <active/>,
// <default/> or <list/>.
func (p *Privacy) handlePrivacy(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	owner, ok := ownAccount(req)
	if !ok {
		return nil, sdk.ErrNotMine
	}
	children := req.Stanza.ChildElements()[0].ChildElements()
	set := req.Stanza.SelectAttrValue("type", "") == "set"
	if set && len(children) != 1 {
		return nil, stanza.Errorf(stanza.BadRequest, "a set carries exactly one of active, default or list")
	}
	o, err := p.begin(ctx, owner, req.SessionID, set)
	if err != nil {
		return nil, err
	}
	defer o.unlock()
	if !set {
		return o.get(ctx, children)
	}
	c := children[0]
	switch c.Tag {
	case "active":
		return nil, o.setActive(ctx, c.SelectAttrValue("name", ""))
	case "default":
		return nil, o.setDefault(ctx, c.SelectAttrValue("name", ""))
	case "list":
		if len(c.ChildElements()) == 0 {
			return nil, o.removeList(ctx, c.SelectAttrValue("name", ""))
		}
		return nil, o.setList(ctx, c)
	}
	return nil, stanza.Errorf(stanza.BadRequest, "unknown element <"+c.Tag+"/>")
}

// get returns the names of the lists with the session's active list and
// the default list (§2.3), or one list. A user who never made a list gets
// an empty query.
func (o *op) get(ctx context.Context, children []*etree.Element) (*etree.Element, error) {
	q := sdk.NewElement(NS, "query")
	switch {
	case len(children) == 0:
		if active := o.a.sessions[o.session].Active; active != "" {
			q.CreateElement("active").CreateAttr("name", active)
		}
		if o.a.def != "" {
			q.CreateElement("default").CreateAttr("name", o.a.def)
		}
		names, err := listNames(ctx, o.store())
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			q.CreateElement("list").CreateAttr("name", n)
		}
		return q, nil
	case len(children) == 1 && children[0].Tag == "list":
		l, ok, err := loadList(ctx, o.store(), children[0].SelectAttrValue("name", ""))
		if err != nil || !ok {
			return nil, notFound(err)
		}
		q.AddChild(l.element())
		return q, nil
	}
	return nil, stanza.Errorf(stanza.BadRequest, "ask for all lists or for one")
}

// setActive sets (or, with no name, declines) the session's active list
// (§2.4). It is enforced while every bound session has the same one; see
// account.effective.
func (o *op) setActive(ctx context.Context, name string) error {
	if name != "" {
		if _, ok, err := loadList(ctx, o.store(), name); err != nil || !ok {
			return notFound(err)
		}
	}
	if err := o.choose(ctx, func(s *sessionState) { s.Active = name }); err != nil {
		return err
	}
	return o.commit(ctx)
}

// setDefault sets (or, with no name, declines) the default list (§2.5).
// While the current default applies to another bound session — one
// without an active list — it cannot change: conflict.
func (o *op) setDefault(ctx context.Context, name string) error {
	next, ok, err := loadList(ctx, o.store(), name)
	if name != "" && (err != nil || !ok) {
		return notFound(err)
	}
	if name == o.a.def {
		return nil
	}
	if o.a.def != "" && o.a.defaultInUse(o.session) {
		return stanza.Errorf(stanza.Conflict, "the default list is in use by another resource")
	}
	prev, _, err := loadList(ctx, o.store(), o.a.def)
	if err != nil {
		return err
	}
	if err := saveDefault(ctx, o.host, o.a.owner, name); err != nil {
		return err
	}
	o.a.def = name
	if err := o.commit(ctx); err != nil {
		return err
	}
	return o.pushBlockDiff(ctx, prev.blocked(), next.blocked())
}

// setList creates or replaces a list (§2.6, §2.7).
func (o *op) setList(ctx context.Context, el *etree.Element) error {
	l, err := parseList(el, o.cfg.MaxItems)
	if err != nil {
		return err
	}
	prev, exists, err := loadList(ctx, o.store(), l.Name)
	if err != nil {
		return err
	}
	if !exists {
		names, err := listNames(ctx, o.store())
		if err != nil {
			return err
		}
		if len(names) >= o.cfg.MaxLists {
			return stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("at most %d privacy lists", o.cfg.MaxLists))
		}
	}
	if err := checkGroups(ctx, o.host, o.a.owner, l); err != nil {
		return err
	}
	if err := saveList(ctx, o.store(), l); err != nil {
		return err
	}
	return o.listChanged(ctx, l.Name, l.Name == o.a.def, prev.blocked(), l.blocked())
}

// removeList removes a list (§2.8) unless it applies to another bound
// session. Removing the default list leaves the account without one.
func (o *op) removeList(ctx context.Context, name string) error {
	l, ok, err := loadList(ctx, o.store(), name)
	if err != nil || !ok {
		return notFound(err)
	}
	if o.a.appliesToOther(name, o.session) {
		return stanza.Errorf(stanza.Conflict, "the list applies to another resource")
	}
	if err := deleteList(ctx, o.store(), name); err != nil {
		return err
	}
	wasDefault := name == o.a.def
	if wasDefault {
		if err := saveDefault(ctx, o.host, o.a.owner, ""); err != nil {
			return err
		}
		o.a.def = ""
	}
	if o.a.sessions[o.session].Active == name {
		if err := o.choose(ctx, func(s *sessionState) { s.Active = "" }); err != nil {
			return err
		}
	}
	return o.listChanged(ctx, name, wasDefault, l.blocked(), nil)
}

// listChanged installs the rules after list name changed and pushes its
// name to every session (§2.2 rule 10); when the list is or was the
// default, the change of the block list goes to the sessions that asked
// for it (XEP-0191 §5).
func (o *op) listChanged(ctx context.Context, name string, wasDefault bool, blockedBefore, blockedAfter []string) error {
	if err := o.commit(ctx); err != nil {
		return err
	}
	if err := o.pushList(ctx, name); err != nil {
		return err
	}
	isDefault := name == o.a.def
	if !wasDefault && !isDefault {
		return nil
	}
	if !wasDefault {
		blockedBefore = nil
	}
	if !isDefault {
		blockedAfter = nil
	}
	return o.pushBlockDiff(ctx, blockedBefore, blockedAfter)
}

// checkGroups refuses group items naming a group that is not in the
// owner's roster (XEP-0016 §2.1 says SHOULD).
func checkGroups(ctx context.Context, host sdk.Host, owner string, l List) error {
	if !slices.ContainsFunc(l.Items, func(it Item) bool { return it.Type == "group" }) {
		return nil
	}
	roster, err := fetchRoster(ctx, host, owner)
	if err != nil {
		return err
	}
	for _, it := range l.Items {
		if it.Type == "group" && !slices.ContainsFunc(roster, func(c contact) bool { return slices.Contains(c.Groups, it.Value) }) {
			return stanza.Errorf(stanza.ItemNotFound, "no roster group "+it.Value)
		}
	}
	return nil
}

// notFound is item-not-found, unless reading failed.
func notFound(err error) error {
	if err != nil {
		return err
	}
	return stanza.New(stanza.ItemNotFound)
}

// ownAccount returns the sender's bare JID if the request is addressed to
// it (or to nobody): privacy lists are only ever the user's own.
func ownAccount(req *sdk.Request) (string, bool) {
	owner := bareOf(req.From)
	return owner, req.To == owner
}
