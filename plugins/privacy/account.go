package privacy

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// account is an owner's privacy state as stored, joined with the sessions
// that are bound now.
type account struct {
	owner    string
	def      string                  // the default list; "" for none
	live     []sdk.Session           // bound sessions
	sessions map[string]sessionState // choices of the live sessions, by id
}

// loadAccount reads the owner's state. Choices of sessions that are no
// longer bound (the server restarted while they were open) are deleted.
func loadAccount(ctx context.Context, host sdk.Host, owner string) (*account, error) {
	st := host.Store(owner)
	def, err := loadDefault(ctx, st)
	if err != nil {
		return nil, err
	}
	live, err := host.Sessions(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("listing the sessions of %s: %w", owner, err)
	}
	stored, err := loadSessions(ctx, st)
	if err != nil {
		return nil, err
	}
	a := &account{owner: owner, def: def, live: live, sessions: map[string]sessionState{}}
	var errs []error
	for id, s := range stored {
		if a.isLive(id) {
			a.sessions[id] = s
		} else {
			errs = append(errs, deleteSession(ctx, st, id))
		}
	}
	return a, errors.Join(errs...)
}

func (a *account) isLive(id string) bool {
	for _, s := range a.live {
		if s.SessionID == id {
			return true
		}
	}
	return false
}

// effective is the list the core enforces for the whole account. The core
// filters per account, while XEP-0016 §2.2 makes an active list apply to
// its own session only; the one exact case is every bound session having
// the same active list, and then that list is enforced. Otherwise — no
// active list, or sessions that differ — the default list is, which is
// exact for the sessions without an active list and for offline delivery.
func (a *account) effective() (name string, active bool) {
	if len(a.live) == 0 {
		return a.def, false
	}
	first := a.sessions[a.live[0].SessionID].Active
	for _, s := range a.live[1:] {
		if a.sessions[s.SessionID].Active != first {
			return a.def, false
		}
	}
	if first == "" {
		return a.def, false
	}
	return first, true
}

// appliesToOther reports whether list name applies to a bound session
// other than except (XEP-0016 §2.2 rule 11): it is that session's active
// list, or the default list of a session without one.
func (a *account) appliesToOther(name, except string) bool {
	for _, s := range a.live {
		if s.SessionID == except {
			continue
		}
		active := a.sessions[s.SessionID].Active
		if active == name || (active == "" && name == a.def) {
			return true
		}
	}
	return false
}

// defaultInUse reports whether the default list applies to a bound
// session other than except: one without an active list (§2.5).
func (a *account) defaultInUse(except string) bool {
	for _, s := range a.live {
		if s.SessionID != except && a.sessions[s.SessionID].Active == "" {
			return true
		}
	}
	return false
}

// activeAnywhere reports whether some bound session has name active.
func (a *account) activeAnywhere(name string) bool {
	for _, s := range a.sessions {
		if s.Active == name {
			return true
		}
	}
	return false
}

// update changes one session's choices and stores them.
func (a *account) update(ctx context.Context, host sdk.Host, id string, change func(*sessionState)) error {
	s := a.sessions[id]
	change(&s)
	if err := saveSession(ctx, host.Store(a.owner), id, s); err != nil {
		return err
	}
	a.sessions[id] = s
	return nil
}

// wants returns the full JIDs of the bound sessions whose choices satisfy
// f; all of them when f is nil.
func (a *account) wants(f func(sessionState) bool) []string {
	var out []string
	for _, s := range a.live {
		if f == nil || f(a.sessions[s.SessionID]) {
			out = append(out, s.JID)
		}
	}
	return out
}
