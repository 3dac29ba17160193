package privacy

import (
	"context"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// pushList tells every bound session that a list changed (XEP-0016 §2.2
// rule 10): the list's name only, like a roster push.
func (o *op) pushList(ctx context.Context, name string) error {
	q := sdk.NewElement(NS, "query")
	q.CreateElement("list").CreateAttr("name", name)
	return o.push(ctx, o.a.wants(nil), q)
}

// pushBlocks tells the sessions that asked for the block list what was
// blocked or unblocked (XEP-0191 §3.3, §3.4); verb is "block" or
// "unblock", and an unblock without JIDs unblocks everyone (§3.5).
func (o *op) pushBlocks(ctx context.Context, verb string, jids []string) error {
	return o.push(ctx, o.a.wants(func(s sessionState) bool { return s.Blocklist }), blockElement(verb, jids))
}

// pushBlockDiff pushes the change between two block lists, for changes
// made through privacy lists (XEP-0191 §5, implications 2 and 4).
func (o *op) pushBlockDiff(ctx context.Context, before, after []string) error {
	var added, removed []string
	for _, j := range after {
		if !slices.Contains(before, j) {
			added = append(added, j)
		}
	}
	for _, j := range before {
		if !slices.Contains(after, j) {
			removed = append(removed, j)
		}
	}
	if len(added) > 0 {
		if err := o.pushBlocks(ctx, "block", added); err != nil {
			return err
		}
	}
	if len(removed) == 0 {
		return nil
	}
	if len(after) == 0 {
		removed = nil // everyone is unblocked
	}
	return o.pushBlocks(ctx, "unblock", removed)
}

func (o *op) push(ctx context.Context, to []string, payload *etree.Element) error {
	for _, t := range to {
		iq := sdk.NewIQ("set", o.a.owner, t, o.p.newID())
		iq.AddChild(payload.Copy())
		if err := o.host.Send(ctx, iq); err != nil {
			return fmt.Errorf("pushing to %s: %w", t, err)
		}
	}
	return nil
}

func blockElement(verb string, jids []string) *etree.Element {
	el := sdk.NewElement(NSBlocking, verb)
	for _, j := range jids {
		el.CreateElement("item").CreateAttr("jid", j)
	}
	return el
}
