package privacy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// sessionBound installs the owner's rules if the plugin has not done so
// since it started, and re-evaluates them if they came from the sessions'
// active list: a new session has none, so the default list takes over.
func (p *Privacy) sessionBound(ctx context.Context, ev sdk.Event) error {
	owner := bareOf(ev.JID)
	in, known := p.installedFor(owner)
	switch {
	case !known:
		if empty, err := p.installNothing(ctx, owner); empty || err != nil {
			return err
		}
		return p.refresh(ctx, owner, false)
	case in.active:
		return p.refresh(ctx, owner, true)
	}
	return nil
}

// installNothing records that owner has nothing for the core to enforce
// when the plugin keeps nothing at all for the account: no lists, no
// default, no session's choices, which is most accounts. One read then
// stands for the four of a refresh (the default, the core's sessions, the
// stored choices, the rules installed), at the first login of every
// account since the plugin started. The core holds no rules for such an
// owner: they were cleared when the last of its stored state went.
func (p *Privacy) installNothing(ctx context.Context, owner string) (bool, error) {
	defer p.lock(owner)()
	if _, known := p.installedFor(owner); known {
		return true, nil // installed meanwhile, by the sweep or an event
	}
	host, _ := p.state()
	kvs, err := host.Store(owner).Scan(ctx, "", "", 1, false)
	if err != nil {
		return false, fmt.Errorf("looking for the privacy state of %s: %w", owner, err)
	}
	if len(kvs) > 0 {
		return false, nil
	}
	p.setInstalled(owner, installed{})
	return true, nil
}

// sessionClosed forgets the session's choices; without its active list,
// another list may be in force.
func (p *Privacy) sessionClosed(ctx context.Context, ev sdk.Event) error {
	owner := bareOf(ev.JID)
	if in, known := p.installedFor(owner); known && !in.active && !in.records {
		return nil // nothing of this session's is kept or enforced
	}
	o, err := p.begin(ctx, owner, ev.SessionID, true)
	if err != nil {
		return err
	}
	defer o.unlock()
	if _, ok := o.a.sessions[ev.SessionID]; ok {
		delete(o.a.sessions, ev.SessionID)
		if err := deleteSession(ctx, o.store(), ev.SessionID); err != nil {
			return err
		}
	}
	// The core may still list the closing session.
	o.a.live = slices.DeleteFunc(o.a.live, func(s sdk.Session) bool { return s.SessionID == ev.SessionID })
	return o.commit(ctx)
}

// accountDeleted removes everything the plugin keeps for the account.
func (p *Privacy) accountDeleted(ctx context.Context, ev sdk.Event) error {
	defer p.lock(ev.JID)()
	host, _ := p.state()
	p.mu.Lock()
	delete(p.installed, ev.JID)
	p.mu.Unlock()
	if err := deleteAll(ctx, host, ev.JID); err != nil {
		return err
	}
	if err := host.SetFilters(ctx, ev.JID, nil); err != nil {
		return fmt.Errorf("clearing the privacy rules of %s: %w", ev.JID, err)
	}
	return nil
}

// rosterChanged re-resolves the owner's rules when they depend on the
// roster: a contact's group or subscription decides which items match it
// (XEP-0016 §2.2 rule 9).
func (p *Privacy) rosterChanged(ctx context.Context, ev sdk.Event) error {
	in, known := p.installedFor(ev.JID)
	if !known || !in.dynamic {
		return nil
	}
	return p.refresh(ctx, ev.JID, true)
}

func bareOf(j string) string {
	bare, _, _ := strings.Cut(j, "/")
	return bare
}

// TopicChanged is published, with the owner's bare JID, after the owner's
// rules changed by a request or a session's end.
const TopicChanged = "changed"

// changedElsewhere installs again the rules of an owner whose lists,
// default or sessions changed on another node of a cluster: the core of
// every node filters what its own sessions send, so each needs the rules
// of every owner. The node where the change was made has sent the
// presence it hides or reveals.
func (p *Privacy) changedElsewhere(ctx context.Context, ev sdk.Event) error {
	if !ev.Elsewhere {
		return nil
	}
	if err := p.refresh(ctx, ev.JID, false); err != nil {
		return fmt.Errorf("installing the rules of %s changed on another node: %w", ev.JID, err)
	}
	host, _ := p.state()
	host.Logger().Debug("privacy rules changed on another node", "owner", ev.JID)
	return nil
}
