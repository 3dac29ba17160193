package privacy

import (
	"context"
	"fmt"
	"slices"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleBlocklist returns the block list (XEP-0191 §3.2): the JIDs that
// the default list blocks. The session will get block pushes from now on.
func (p *Privacy) handleBlocklist(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	owner, ok := ownAccount(req)
	if !ok {
		return nil, sdk.ErrNotMine
	}
	if req.Stanza.ChildElements()[0].Tag != "blocklist" {
		return nil, stanza.Errorf(stanza.BadRequest, "ask for the <blocklist/>")
	}
	o, err := p.begin(ctx, owner, req.SessionID, false)
	if err != nil {
		return nil, err
	}
	defer o.unlock()
	if !o.a.sessions[o.session].Blocklist {
		if err := o.choose(ctx, func(s *sessionState) { s.Blocklist = true }); err != nil {
			return nil, err
		}
	}
	l, _, err := loadList(ctx, o.store(), o.a.def)
	if err != nil {
		return nil, err
	}
	return blockElement("blocklist", l.blocked()), nil
}

// handleBlock blocks (§3.3) or unblocks (§3.4, §3.5) JIDs by editing the
// default list, creating it if there is none; then the rules are
// installed, the sessions that asked for the block list get the change
// and every session a privacy list push.
func (p *Privacy) handleBlock(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	owner, ok := ownAccount(req)
	if !ok {
		return nil, sdk.ErrNotMine
	}
	cmd := req.Stanza.ChildElements()[0]
	if cmd.Tag != "block" && cmd.Tag != "unblock" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected <block/> or <unblock/>")
	}
	jids, err := itemJIDs(cmd)
	if err != nil {
		return nil, err
	}
	if cmd.Tag == "block" && len(jids) == 0 {
		return nil, stanza.Errorf(stanza.BadRequest, "nothing to block")
	}
	o, err := p.begin(ctx, owner, req.SessionID, true)
	if err != nil {
		return nil, err
	}
	defer o.unlock()
	var name string
	if cmd.Tag == "block" {
		name, err = o.block(ctx, jids)
	} else {
		name, err = o.unblock(ctx, jids)
	}
	if err != nil {
		return nil, err
	}
	if err := o.commit(ctx); err != nil {
		return nil, err
	}
	if err := o.pushBlocks(ctx, cmd.Tag, jids); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, nil
	}
	return nil, o.pushList(ctx, name)
}

// block adds the JIDs not yet blocked to the default list, ahead of its
// other items (§5: blocked items come first). It returns the list's name.
func (o *op) block(ctx context.Context, jids []string) (string, error) {
	l, err := o.defaultOrNew(ctx)
	if err != nil {
		return "", err
	}
	var add []string
	for _, j := range jids {
		if !slices.Contains(l.blocked(), j) && !slices.Contains(add, j) {
			add = append(add, j)
		}
	}
	if len(l.Items)+len(add) > o.cfg.MaxItems {
		return "", stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("a list may hold at most %d items", o.cfg.MaxItems))
	}
	l.Items = prepend(l.Items, add)
	if err := saveList(ctx, o.store(), l); err != nil {
		return "", err
	}
	if o.a.def != l.Name {
		if err := saveDefault(ctx, o.host, o.a.owner, l.Name); err != nil {
			return "", err
		}
		o.a.def = l.Name
	}
	return l.Name, nil
}

// defaultOrNew loads the default list, or names a new one after the
// configured blocklist_name, avoiding the names of existing lists.
func (o *op) defaultOrNew(ctx context.Context) (List, error) {
	if o.a.def != "" {
		l, _, err := loadList(ctx, o.store(), o.a.def)
		return l, err
	}
	names, err := listNames(ctx, o.store())
	if err != nil {
		return List{}, err
	}
	name := o.cfg.BlocklistName
	for i := 2; slices.Contains(names, name); i++ {
		name = fmt.Sprintf("%s (%d)", o.cfg.BlocklistName, i)
	}
	return List{Name: name}, nil
}

// unblock removes the given JIDs from the default list's blocked items,
// or all of them when jids is empty. A list left empty is removed, unless
// a session has it active. It returns the list's name, "" when the
// account has no default list.
func (o *op) unblock(ctx context.Context, jids []string) (string, error) {
	if o.a.def == "" {
		return "", nil
	}
	l, _, err := loadList(ctx, o.store(), o.a.def)
	if err != nil {
		return "", err
	}
	l.Items = slices.DeleteFunc(l.Items, func(it Item) bool {
		return it.blocks() && (len(jids) == 0 || slices.Contains(jids, it.Value))
	})
	if len(l.Items) > 0 || o.a.activeAnywhere(l.Name) {
		return l.Name, saveList(ctx, o.store(), l)
	}
	if err := deleteList(ctx, o.store(), l.Name); err != nil {
		return "", err
	}
	if err := saveDefault(ctx, o.host, o.a.owner, ""); err != nil {
		return "", err
	}
	o.a.def = ""
	return l.Name, nil
}

// prepend puts a blocked-JID item for each of jids in front of items,
// with orders below theirs; when there is no room below, everything is
// renumbered from 1, the new items first.
func prepend(items []Item, jids []string) []Item {
	k := uint32(len(jids))
	if k == 0 {
		return items
	}
	all := make([]Item, 0, len(items)+len(jids))
	for _, j := range jids {
		all = append(all, Item{Type: "jid", Value: j, Deny: true})
	}
	all = append(all, items...)
	if len(items) > 0 && items[0].Order < k {
		for i := range all {
			all[i].Order = uint32(i) + 1
		}
		return all
	}
	top := k + 1 // an empty list: 1…k
	if len(items) > 0 {
		top = items[0].Order
	}
	for i := range k {
		all[i].Order = top - k + i
	}
	return all
}

// itemJIDs reads the JIDs of a block or unblock command, prepared.
func itemJIDs(cmd *etree.Element) ([]string, error) {
	var out []string
	for _, it := range cmd.SelectElements("item") {
		raw := it.SelectAttrValue("jid", "")
		j, err := jid.Parse(raw)
		if err != nil || raw == "" {
			return nil, stanza.Errorf(stanza.JIDMalformed, "not a valid JID: "+raw)
		}
		out = append(out, j.String())
	}
	return out, nil
}
