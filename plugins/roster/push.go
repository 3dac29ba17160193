package roster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// change is one record that an operation writes: after is nil when the
// record goes. A forced change is announced even when nothing differs.
type change struct {
	owner, contact string
	before, after  *record
	force          bool
}

// commit writes the changes and tells each owner. A change a roster shows
// (the item was or is listed) moves the version on first — so that a
// crash between the two writes costs a client a full roster, never a
// missed change — and is then pushed to the owner's interested resources
// and published on the changed topic. Hidden records change silently.
func (r *Roster) commit(ctx context.Context, changes []change) error {
	host, _, _ := r.env()
	type announcement struct {
		c   change
		ver string
	}
	var (
		ops      []sdk.StoreOp
		announce []announcement
		vers     = map[string]string{} // each owner's version after this commit's changes
	)
	for _, c := range changes {
		if c.before.equal(c.after) && !c.force {
			continue
		}
		visible := c.before.listed() || c.after.listed()
		ver := ""
		if visible {
			cur, ok := vers[c.owner]
			if !ok {
				v, err := version(ctx, host.Store(c.owner))
				if err != nil {
					return fmt.Errorf("reading the roster version of %s: %w", c.owner, err)
				}
				cur = v
			}
			ver = nextVersion(cur)
			vers[c.owner] = ver
			ops = append(ops, sdk.StoreOp{Owner: c.owner, Key: verKey, Value: []byte(ver)})
		}
		op, err := itemOp(c.owner, c.contact, c.after)
		if err != nil {
			return err
		}
		ops = append(ops, op)
		if visible {
			announce = append(announce, announcement{c, ver})
		}
	}
	// Every item and version of the change in one transaction: a
	// subscription exchange touches both parties' rosters, and four
	// separate writes cost four commits (and could stop halfway).
	if len(ops) > 0 {
		if err := host.StoreBatch(ctx, ops); err != nil {
			return fmt.Errorf("writing %d roster records: %w", len(ops), err)
		}
	}
	var errs []error
	for _, a := range announce {
		errs = append(errs, r.announce(ctx, host, a.c.owner, a.c.contact, a.ver, a.c.after))
	}
	return errors.Join(errs...)
}

// announce pushes an item that changed, or its removal, and publishes it.
func (r *Roster) announce(ctx context.Context, host sdk.Host, owner, contact, ver string, after *record) error {
	c := rosterapi.Change{Item: Item{JID: contact}, Removed: true, Ver: ver}
	if after.listed() {
		c = rosterapi.Change{Item: itemOf(contact, after), Ver: ver}
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encoding the change of %s: %w", contact, err)
	}
	pushErr := r.push(ctx, host, owner, ver, pushedItem(c))
	if err := host.Publish(ctx, TopicChange, owner, payload); err != nil {
		return errors.Join(pushErr, fmt.Errorf("publishing the change of %s's roster: %w", owner, err))
	}
	return pushErr
}

// push sends a roster push (RFC 6121 §2.1.6) to every interested resource
// of owner, from the owner's bare JID as clients require.
func (r *Roster) push(ctx context.Context, host sdk.Host, owner, ver string, item *etree.Element) error {
	r.mu.Lock()
	targets := make([]string, 0, len(r.interested[owner]))
	for _, full := range r.interested[owner] {
		targets = append(targets, full)
	}
	r.mu.Unlock()
	var errs []error
	for _, full := range targets {
		iq := sdk.NewIQ("set", owner, full, r.pushID())
		q := query(ver)
		q.AddChild(item.Copy())
		iq.AddChild(q)
		if err := host.Send(ctx, iq); err != nil {
			errs = append(errs, fmt.Errorf("pushing to %s: %w", full, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Roster) pushID() string {
	return r.pushPrefix + strconv.FormatUint(r.pushSeq.Add(1), 36)
}

// remember makes a resource interested; forget undoes it.
func (r *Roster) remember(owner, sessionID, full string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.interested[owner]
	if m == nil {
		m = map[string]string{}
		r.interested[owner] = m
	}
	m[sessionID] = full
}

func (r *Roster) forget(owner, sessionID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.interested[owner], sessionID)
	if len(r.interested[owner]) == 0 {
		delete(r.interested, owner)
	}
}

// pushedItem is the item element a roster push carries for a change.
func pushedItem(c rosterapi.Change) *etree.Element {
	if !c.Removed {
		return elementOf(c.Item)
	}
	el := etree.NewElement("item")
	el.CreateAttr("jid", c.JID)
	el.CreateAttr("subscription", "remove")
	return el
}

// changedElsewhere pushes a change that the roster plugin of another node
// of the cluster made, to the owner's interested resources this node
// holds (the other node pushed to those it knew), and drops what this
// node's read cache holds of the owner's roster.
func (r *Roster) changedElsewhere(ctx context.Context, ev sdk.Event) error {
	if !ev.Elsewhere {
		return nil // pushed where it was made, here
	}
	c, err := rosterapi.DecodeChange(ev.Payload)
	if err != nil {
		return fmt.Errorf("a change of %s's roster on another node: %w", ev.JID, err)
	}
	r.cache.invalidate(ev.JID)
	host, _, _ := r.env()
	return r.push(ctx, host, ev.JID, c.Ver, pushedItem(c))
}
