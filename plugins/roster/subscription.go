package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// exchange applies a subscription stanza that user sends to contact (RFC
// 6121 §3): the outbound transition to the user's item for the contact
// and — both being accounts of this server — the inbound one to the
// contact's item for the user, then any answer the contact's server gives
// on its own. It writes both items and returns, in order, the stanzas to
// deliver: it delivers none itself.
//
// When either item is managed (see the managed method) the two already
// share presence both ways, by the managing plugin's decision: the stanza
// delivers nothing and changes nothing, so the own parts beneath stay as
// they were for when the managed parts go.
func (r *Roster) exchange(ctx context.Context, user, contact string, orig *etree.Element) ([]*etree.Element, error) {
	typ := orig.SelectAttrValue("type", "")
	host, log, _ := r.env()
	if !isLocal(host, user) {
		return r.fromRemote(ctx, user, contact, orig)
	}
	unlock := r.locks.lock(user, contact)
	defer unlock()
	uBefore, err := load(ctx, host.Store(user), contact)
	if err != nil {
		return nil, err
	}
	u := orHidden(uBefore)
	out, ok := Transition(Outbound, typ, u.state(), u.Approved)
	if !ok {
		return nil, stanza.Errorf(stanza.BadRequest, "not a subscription stanza: type "+typ)
	}
	exists, err := r.accountExists(ctx, host, contact)
	if err != nil {
		return nil, err
	}
	var cBefore *record // the contact's item for the user
	if exists {
		if cBefore, err = load(ctx, host.Store(contact), user); err != nil {
			return nil, err
		}
	}
	if uBefore.managed() || cBefore.managed() {
		log.Debug("subscription stanza between managed items ignored", "type", typ, "jid", user, "to", contact)
		return nil, nil
	}
	u.setState(out.Next)
	switch {
	case out.PreApprove: // §3.4.1: noted on the item, which is added if need be
		u.Approved, u.Hidden = true, false
	case out.CancelPreApproval:
		u.Approved = false
	}
	// A request (§3.1.2) and an approval (§3.1.5) put the contact in the
	// roster.
	if typ == "subscribe" || (typ == "subscribed" && out.Pass) {
		u.Hidden = false
	}
	var theirs []change
	var deliver []*etree.Element
	switch {
	case out.Pass && !isLocal(host, contact):
		// The contact's server applies the inbound half.
		deliver = []*etree.Element{forward(orig, user, contact)}
	case out.Pass:
		theirs, deliver = inbound(user, contact, orig, u, exists, cBefore)
	}
	// The sender's item last changes in an auto-reply, so it is taken
	// after inbound; it is written first all the same.
	changes := append([]change{{owner: user, contact: contact, before: uBefore, after: prune(u)}}, theirs...)
	log.Debug("subscription stanza applied", "type", typ, "jid", user, "to", contact,
		"state", u.state().String(), "routed", out.Pass, "delivered", len(deliver))
	return deliver, r.commit(ctx, changes)
}

// inbound is the contact's server receiving what user sent: A.3 applied to
// the contact's item cBefore (if the contact exists), delivery and
// auto-replies. u is the user's item, which an auto-reply changes in turn.
func inbound(user, contact string, orig *etree.Element, u *record, exists bool, cBefore *record) ([]change, []*etree.Element) {
	typ := orig.SelectAttrValue("type", "")
	if !exists {
		if typ == "subscribe" {
			// No such account: the request is refused, so that the
			// requester's item does not wait forever with ask='subscribe'.
			return nil, answer(u, contact, user, "unsubscribed")
		}
		return nil, nil
	}
	c := orHidden(cBefore)
	in, _ := Transition(Inbound, typ, c.state(), c.Approved)
	c.setState(in.Next)
	var deliver []*etree.Element
	if in.Pass {
		fwd := forward(orig, user, contact)
		deliver = append(deliver, fwd)
		if typ == "subscribe" {
			// Kept until answered, to deliver again at every login (§3.1.3).
			c.Request = xmlString(fwd)
		}
	}
	if in.AutoReply {
		c.Approved = false // a pre-approval is used up
		deliver = append(deliver, answer(u, contact, user, "subscribed")...)
	}
	return []change{{owner: contact, contact: user, before: cBefore, after: prune(c)}}, deliver
}

// forward is the subscription stanza as delivered: stamped with the
// sender's bare JID (§3.1.2).
func forward(orig *etree.Element, user, contact string) *etree.Element {
	fwd := orig.Copy()
	fwd.CreateAttr("from", user)
	fwd.CreateAttr("to", contact)
	return fwd
}

// fromRemote applies a subscription stanza that a user of another server
// sent to a local contact: only the inbound half (A.3) is this server's,
// the user's own item being kept by theirs. An auto-reply goes back to
// the user as if its item were waiting for it, which it is for the
// stanzas that ask for one.
func (r *Roster) fromRemote(ctx context.Context, user, contact string, orig *etree.Element) ([]*etree.Element, error) {
	host, log, _ := r.env()
	unlock := r.locks.lock(user, contact)
	defer unlock()
	exists, err := r.accountExists(ctx, host, contact)
	if err != nil {
		return nil, err
	}
	var cBefore *record
	if exists {
		if cBefore, err = load(ctx, host.Store(contact), user); err != nil {
			return nil, err
		}
	}
	if cBefore.managed() {
		return nil, nil
	}
	theirs, deliver := inbound(user, contact, orig, &record{Sub: "none", Ask: true}, exists, cBefore)
	log.Debug("subscription stanza from another server applied", "type", orig.SelectAttrValue("type", ""), "from", user, "jid", contact, "delivered", len(deliver))
	return deliver, r.commit(ctx, theirs)
}

// isLocal reports whether a bare JID is of a domain this server hosts.
func isLocal(host sdk.Host, bare string) bool {
	_, domain, ok := strings.Cut(bare, "@")
	if !ok {
		domain = bare
	}
	return host.Hosts(domain)
}

// answer is a stanza that the contact's server sends back to the user on
// its own (an auto-reply): A.3 applied to the user's item u, and the
// stanza if the user's server would deliver it.
func answer(u *record, from, to, typ string) []*etree.Element {
	o, _ := Transition(Inbound, typ, u.state(), u.Approved)
	u.setState(o.Next)
	if !o.Pass {
		return nil
	}
	return []*etree.Element{subscriptionStanza(from, to, typ)}
}

// remove takes an item out of a roster and cancels the subscriptions it
// held both ways (RFC 6121 §2.5.2). A managed item is not the owner's to
// remove: the plugin that manages it takes it back.
func (r *Roster) remove(ctx context.Context, owner, contact string) error {
	host, _, _ := r.env()
	unlock := r.locks.lock(owner, contact)
	defer unlock()
	before, err := load(ctx, host.Store(owner), contact)
	if err != nil {
		return err
	}
	if !before.listed() {
		return stanza.Errorf(stanza.ItemNotFound, contact+" is not in the roster") // §2.5.3
	}
	if before.managed() {
		return stanza.Errorf(stanza.NotAllowed, contact+" is put in the roster by the server and cannot be removed")
	}
	changes, deliver, err := r.cancel(ctx, host, owner, contact, before.state(), false)
	if err != nil {
		return err
	}
	changes = append(changes, change{owner: owner, contact: contact, before: before})
	if err := r.commit(ctx, changes); err != nil {
		return err
	}
	return send(ctx, host, deliver)
}

// cancel ends, on the contact's side, what the owner's item in state s
// held: RFC 6121 §2.5.2 sends unsubscribe for the owner's subscription or
// request and unsubscribed for the contact's, and the contact's server
// processes them as A.3.2 and A.3.4 say. It returns the contact's change
// and the stanzas to deliver to the contact.
//
// gone: the owner's account is deleted, and the items plugins manage for
// it in the contact's roster go with it. While the contact's item stays
// managed, its own part follows all the same, to stay in step with the
// owner's, but nothing is delivered: the contact still sees the owner
// with subscription both.
func (r *Roster) cancel(ctx context.Context, host sdk.Host, owner, contact string, s State, gone bool) ([]change, []*etree.Element, error) {
	if !isLocal(host, contact) {
		// The contact's server applies them to its item.
		var deliver []*etree.Element
		if s == To || s == ToPendingIn || s == Both || s.PendingOut() {
			deliver = append(deliver, subscriptionStanza(owner, contact, "unsubscribe"))
		}
		if s == From || s == FromPendingOut || s == Both || s.PendingIn() {
			deliver = append(deliver, subscriptionStanza(owner, contact, "unsubscribed"))
		}
		return nil, deliver, nil
	}
	exists, err := r.accountExists(ctx, host, contact)
	if err != nil || !exists {
		return nil, nil, err
	}
	cBefore, err := load(ctx, host.Store(contact), owner)
	if err != nil || cBefore == nil {
		return nil, nil, err
	}
	c := cBefore.clone()
	if gone {
		c.Managed = nil
	}
	var deliver []*etree.Element
	if s == To || s == ToPendingIn || s == Both || s.PendingOut() {
		deliver = append(deliver, answer(c, owner, contact, "unsubscribe")...)
	}
	if s == From || s == FromPendingOut || s == Both || s.PendingIn() {
		deliver = append(deliver, answer(c, owner, contact, "unsubscribed")...)
	}
	if c.managed() {
		deliver = nil
	}
	return []change{{owner: contact, contact: owner, before: cBefore, after: prune(c)}}, deliver, nil
}

// accountExists tells whether a JID is an account of this server; one of
// another domain is not.
func (r *Roster) accountExists(ctx context.Context, host sdk.Host, bare string) (bool, error) {
	local, domain, ok := strings.Cut(bare, "@")
	if !ok || !host.Hosts(domain) {
		return false, nil
	}
	exists, err := host.AccountsOf(domain).Exists(ctx, local)
	if err != nil {
		return false, fmt.Errorf("checking the account %s: %w", bare, err)
	}
	return exists, nil
}

// orHidden is the working copy of a record: an absent one is a hidden
// record in state None, which prune drops again if nothing sticks.
func orHidden(r *record) *record {
	if r == nil {
		return &record{Sub: "none", Hidden: true}
	}
	return r.clone()
}

// prune drops a hidden record that no longer remembers anything and that
// no plugin manages.
func prune(r *record) *record {
	if r.Hidden && r.state() == None && !r.Approved && len(r.Managed) == 0 {
		return nil
	}
	return r
}

func subscriptionStanza(from, to, typ string) *etree.Element {
	p := etree.NewElement("presence")
	p.CreateAttr("type", typ)
	p.CreateAttr("from", from)
	p.CreateAttr("to", to)
	return p
}

func send(ctx context.Context, host sdk.Host, stanzas []*etree.Element) error {
	var errs []error
	for _, el := range stanzas {
		if err := host.Send(ctx, el); err != nil {
			errs = append(errs, fmt.Errorf("sending %s to %s: %w", el.SelectAttrValue("type", ""), el.SelectAttrValue("to", ""), err))
		}
	}
	return errors.Join(errs...)
}

func xmlString(el *etree.Element) string {
	var b strings.Builder
	el.WriteTo(&b, &etree.WriteSettings{})
	return b.String()
}
