package sharedroster

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// manifestsChanged syncs every account: at start-up this is the first
// moment roster can be called, and a restarted roster or a reload may
// follow a change of groups.
func (s *SharedRoster) manifestsChanged(ctx context.Context, _ sdk.Event) error {
	return s.sync(ctx, nil)
}

// accountCreated gives a new member its peers, and its peers the new
// member. A created account that is in no group changes nothing.
func (s *SharedRoster) accountCreated(ctx context.Context, ev sdk.Event) error {
	_, _, idx, _ := s.state()
	if _, member := idx.byMember[ev.JID]; !member {
		return nil
	}
	return s.sync(ctx, append(idx.peers(ev.JID), ev.JID))
}

// accountDeleted forgets the account's extra data and that it held items
// (roster deleted its roster), and takes it out of its peers' rosters.
func (s *SharedRoster) accountDeleted(ctx context.Context, ev sdk.Event) error {
	host, _, idx, _ := s.state()
	var errs []error
	if err := host.Store(ev.JID).Delete(ctx, extraKey); err != nil {
		errs = append(errs, fmt.Errorf("deleting the extra data of %s: %w", ev.JID, err))
	}
	if err := mark(ctx, host.Store(""), ev.JID, false); err != nil {
		errs = append(errs, fmt.Errorf("forgetting that %s held shared items: %w", ev.JID, err))
	}
	if peers := idx.peers(ev.JID); len(peers) > 0 {
		errs = append(errs, s.sync(ctx, peers))
	}
	return errors.Join(errs...)
}
