package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// installed is what the plugin last installed for an owner since it
// started.
type installed struct {
	rules   []sdk.FilterRule
	active  bool // the enforced list is the sessions' active list
	dynamic bool // the enforced list depends on the roster
	records bool // some session of the owner has stored choices
}

// apply computes the rules the core must enforce for the account and
// installs them: the effective list (see account.effective), resolved
// against the roster. When announce is set, the presence that the change
// from before hides is withdrawn first, with unavailable presence
// (XEP-0016 §2.9–2.10, XEP-0191 §3.3), and presence that it reveals again
// is announced on the topic "allowed" for the presence plugin, which alone
// knows the current presence. The caller holds the owner's lock.
func (p *Privacy) apply(ctx context.Context, host sdk.Host, a *account, before []sdk.FilterRule, announce bool) error {
	rules, roster, next, err := p.resolve(ctx, host, a)
	if err != nil {
		return err
	}
	prev, known := p.installedFor(a.owner)
	if known && slices.Equal(prev.rules, rules) {
		p.setInstalled(a.owner, next)
		return nil
	}
	if announce && !slices.Equal(before, rules) {
		if roster == nil {
			if roster, err = fetchRoster(ctx, host, a.owner); err != nil {
				return err
			}
		}
		if err := p.announce(ctx, host, a, roster, before, rules); err != nil {
			return err
		}
	}
	if err := host.SetFilters(ctx, a.owner, rules); err != nil {
		return fmt.Errorf("installing the privacy rules of %s: %w", a.owner, err)
	}
	p.setInstalled(a.owner, next)
	return nil
}

// enforced returns the rules in force for the account before a change:
// those installed since the plugin started, or else those its stored
// state gives.
func (p *Privacy) enforced(ctx context.Context, host sdk.Host, a *account) ([]sdk.FilterRule, error) {
	if in, known := p.installedFor(a.owner); known {
		return in.rules, nil
	}
	rules, _, _, err := p.resolve(ctx, host, a)
	return rules, err
}

// resolve compiles the account's effective list; it returns the roster
// when it had to read it.
func (p *Privacy) resolve(ctx context.Context, host sdk.Host, a *account) ([]sdk.FilterRule, []contact, installed, error) {
	name, active := a.effective()
	l := List{Name: name}
	if name != "" {
		var err error
		if l, _, err = loadList(ctx, host.Store(a.owner), name); err != nil {
			return nil, nil, installed{}, err
		}
	}
	var roster []contact
	if l.dynamic() {
		var err error
		if roster, err = fetchRoster(ctx, host, a.owner); err != nil {
			return nil, nil, installed{}, err
		}
	}
	rules := compile(a.owner, l, roster)
	return rules, roster, installed{rules: rules, active: active, dynamic: l.dynamic(), records: len(a.sessions) > 0}, nil
}

// announce sends the presence that a change of rules calls for, before
// the new rules are installed (they would stop some of it).
func (p *Privacy) announce(ctx context.Context, host sdk.Host, a *account, roster []contact, before, after []sdk.FilterRule) error {
	var revealedOut, revealedIn []string
	for _, c := range roster {
		peer, err := jid.Parse(c.JID)
		if err != nil {
			continue
		}
		if c.receivesPresence() {
			was, now := denied(before, peer, sdk.PresenceOut), denied(after, peer, sdk.PresenceOut)
			switch {
			case !was && now:
				if err := p.withdraw(ctx, host, a.live, []string{c.JID}); err != nil {
					return err
				}
			case was && !now:
				revealedOut = append(revealedOut, c.JID)
			}
		}
		if c.sendsPresence() {
			was, now := denied(before, peer, sdk.PresenceIn), denied(after, peer, sdk.PresenceIn)
			switch {
			case !was && now:
				theirs, err := host.Sessions(ctx, c.JID)
				if err != nil {
					return fmt.Errorf("listing the sessions of %s: %w", c.JID, err)
				}
				if err := p.withdraw(ctx, host, theirs, available(a.live)); err != nil {
					return err
				}
			case was && !now:
				revealedIn = append(revealedIn, c.JID)
			}
		}
	}
	if len(revealedOut)+len(revealedIn) == 0 {
		return nil
	}
	b, err := json.Marshal(Allowed{PresenceOut: revealedOut, PresenceIn: revealedIn})
	if err != nil {
		return err
	}
	if err := host.Publish(ctx, TopicAllowed, a.owner, b); err != nil {
		return fmt.Errorf("publishing %s for %s: %w", TopicAllowed, a.owner, err)
	}
	return nil
}

// TopicAllowed is the topic privacy publishes (as "privacy.allowed") when
// a change of rules lets presence through again; the JID is the owner's.
const TopicAllowed = "allowed"

// Allowed is the payload of TopicAllowed, as JSON.
type Allowed struct {
	// PresenceOut are contacts who may again receive the owner's
	// presence: send them the owner's current presence (XEP-0191 §3.4).
	PresenceOut []string `json:"presence_out,omitempty"`
	// PresenceIn are contacts whose presence the owner may again receive:
	// probe them on the owner's behalf.
	PresenceIn []string `json:"presence_in,omitempty"`
}

// withdraw sends unavailable presence from each available session in from
// to each address in to.
func (p *Privacy) withdraw(ctx context.Context, host sdk.Host, from []sdk.Session, to []string) error {
	for _, s := range from {
		if !s.Available {
			continue
		}
		for _, t := range to {
			pres := sdk.NewElement("", "presence")
			pres.CreateAttr("type", "unavailable")
			pres.CreateAttr("from", s.JID)
			pres.CreateAttr("to", t)
			if err := host.Send(ctx, pres); err != nil {
				return fmt.Errorf("sending unavailable presence from %s to %s: %w", s.JID, t, err)
			}
		}
	}
	return nil
}

func available(sessions []sdk.Session) []string {
	var out []string
	for _, s := range sessions {
		if s.Available {
			out = append(out, s.JID)
		}
	}
	return out
}

func (p *Privacy) installedFor(owner string) (installed, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in, ok := p.installed[owner]
	return in, ok
}

func (p *Privacy) setInstalled(owner string, in installed) {
	p.mu.Lock()
	p.installed[owner] = in
	p.mu.Unlock()
}

// noteRecords remembers that a session of owner stored its choices, so
// that its end is not overlooked.
func (p *Privacy) noteRecords(owner string) {
	p.mu.Lock()
	if in, ok := p.installed[owner]; ok {
		in.records = true
		p.installed[owner] = in
	}
	p.mu.Unlock()
}
