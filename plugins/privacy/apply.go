package privacy

import (
	"context"
	"fmt"
	"slices"

	"github.com/beevik/etree"
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
// (XEP-0016 §2.9–2.10, XEP-0191 §3.3), and the presence that it reveals
// again is sent once the new rules are in force (XEP-0191 §3.4–3.5). The
// caller holds the owner's lock.
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
	var shown revealed
	if announce && !slices.Equal(before, rules) {
		if roster == nil {
			if roster, err = fetchRoster(ctx, host, a.owner); err != nil {
				return err
			}
		}
		if shown, err = p.announce(ctx, host, a, roster, before, rules); err != nil {
			return err
		}
	}
	if err := host.SetFilters(ctx, a.owner, rules); err != nil {
		return fmt.Errorf("installing the privacy rules of %s: %w", a.owner, err)
	}
	p.setInstalled(a.owner, next)
	return p.reveal(ctx, host, a, shown)
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

// revealed are the contacts that a change of rules lets presence through
// to or from again.
type revealed struct {
	out []string // may again receive the owner's presence
	in  []string // the owner may again receive theirs
}

// announce withdraws the presence that a change of rules hides, before
// the new rules are installed (they would stop it), and returns what the
// change reveals, to send once they are. Only contacts with a
// subscription in that direction are concerned (RFC 6121 §4.2–4.3).
func (p *Privacy) announce(ctx context.Context, host sdk.Host, a *account, roster []contact, before, after []sdk.FilterRule) (revealed, error) {
	var shown revealed
	for _, c := range roster {
		peer, err := jid.Parse(c.JID)
		if err != nil {
			continue
		}
		if c.ReceivesPresence() {
			was, now := denied(before, peer, sdk.PresenceOut), denied(after, peer, sdk.PresenceOut)
			switch {
			case !was && now:
				if err := p.withdraw(ctx, host, a.live, []string{c.JID}); err != nil {
					return revealed{}, err
				}
			case was && !now:
				shown.out = append(shown.out, c.JID)
			}
		}
		if c.SendsPresence() {
			was, now := denied(before, peer, sdk.PresenceIn), denied(after, peer, sdk.PresenceIn)
			switch {
			case !was && now:
				theirs, err := host.Sessions(ctx, c.JID)
				if err != nil {
					return revealed{}, fmt.Errorf("listing the sessions of %s: %w", c.JID, err)
				}
				if err := p.withdraw(ctx, host, theirs, available(a.live)); err != nil {
					return revealed{}, err
				}
			case was && !now:
				shown.in = append(shown.in, c.JID)
			}
		}
	}
	return shown, nil
}

// reveal sends, once the new rules are in force, the presence that they
// let through again: the current presence of each of the owner's
// available sessions to the contacts who may receive it (XEP-0191 §3.4),
// and that of the contacts' available sessions to the owner's, as probes
// would fetch it (RFC 6121 §4.3). Current is what the core keeps of each
// session's last broadcast, read after the rules changed so that a
// broadcast the old rules stopped meanwhile is not replaced by an older
// one. The owner's sessions are those of a.live, which leaves out a
// session that is closing but still listed by the core.
func (p *Privacy) reveal(ctx context.Context, host sdk.Host, a *account, shown revealed) error {
	if len(shown.out)+len(shown.in) == 0 {
		return nil
	}
	mine, err := host.Sessions(ctx, a.owner)
	if err != nil {
		return fmt.Errorf("listing the sessions of %s: %w", a.owner, err)
	}
	mine = slices.DeleteFunc(mine, func(s sdk.Session) bool { return !a.isLive(s.SessionID) })
	if err := p.sendFrom(ctx, host, mine, shown.out, currentPresence); err != nil {
		return err
	}
	to := available(mine)
	if len(to) == 0 {
		return nil
	}
	for _, c := range shown.in {
		theirs, err := host.Sessions(ctx, c)
		if err != nil {
			return fmt.Errorf("listing the sessions of %s: %w", c, err)
		}
		if err := p.sendFrom(ctx, host, theirs, to, currentPresence); err != nil {
			return err
		}
	}
	return nil
}

// withdraw sends unavailable presence from each available session in from
// to each address in to.
func (p *Privacy) withdraw(ctx context.Context, host sdk.Host, from []sdk.Session, to []string) error {
	return p.sendFrom(ctx, host, from, to, func(s sdk.Session) *etree.Element {
		pres := sdk.NewElement("", "presence")
		pres.CreateAttr("type", "unavailable")
		pres.CreateAttr("from", s.JID)
		return pres
	})
}

// currentPresence is the presence the session last broadcast, 'from' its
// full JID, as the core keeps it; nil when it has none.
func currentPresence(s sdk.Session) *etree.Element { return s.Presence }

// sendFrom sends the presence that build makes of each available session
// in from to each address in to.
func (p *Privacy) sendFrom(ctx context.Context, host sdk.Host, from []sdk.Session, to []string, build func(sdk.Session) *etree.Element) error {
	for _, s := range from {
		if !s.Available || len(to) == 0 {
			continue
		}
		pres := build(s)
		if pres == nil {
			continue
		}
		for _, t := range to {
			el := pres.Copy()
			el.CreateAttr("to", t)
			if err := host.Send(ctx, el); err != nil {
				return fmt.Errorf("sending presence from %s to %s: %w", s.JID, t, err)
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
