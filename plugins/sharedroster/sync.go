package sharedroster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// sync hands roster, for each account concerned, the items the groups
// call for: to the members that exist, their peers that exist; to an
// account that held items and no longer should (it left its groups, or
// its peers went), none. only limits it to some accounts; nil means every
// member and every account marked as holding items. An account that does
// not exist gets no call: roster has nothing of it to change.
func (s *SharedRoster) sync(ctx context.Context, only []string) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	host, log, idx, _ := s.state()
	st := host.Store("")
	marked, err := synced(ctx, st)
	if err != nil {
		return fmt.Errorf("reading which accounts hold shared items: %w", err)
	}
	owners := only
	if owners == nil {
		owners = idx.members()
		for m := range marked {
			owners = append(owners, m)
		}
		slices.Sort(owners)
		owners = slices.Compact(owners)
	}
	exists, err := existing(ctx, host, slices.Concat(owners, idx.members()))
	if err != nil {
		return err
	}
	var errs []error
	for _, owner := range owners {
		items := idx.desired(owner, exists)
		switch {
		case !exists[owner]:
			if marked[owner] {
				errs = append(errs, mark(ctx, st, owner, false))
			}
			continue
		case len(items) == 0 && !marked[owner]:
			continue
		}
		if err := managed(ctx, host, owner, items); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := mark(ctx, st, owner, len(items) > 0); err != nil {
			errs = append(errs, fmt.Errorf("noting that %s holds shared items: %w", owner, err))
		}
	}
	log.Debug("shared groups synced", "accounts", len(owners), "errors", len(errs))
	return errors.Join(errs...)
}

// managed replaces the items this plugin manages in owner's roster.
func managed(ctx context.Context, host sdk.Host, owner string, items []ManagedItem) error {
	if items == nil {
		items = []ManagedItem{}
	}
	if err := rosterapi.SetManaged(ctx, host, ManagedRequest{Owner: owner, Items: items}); err != nil {
		return fmt.Errorf("giving %s its shared items: %w", owner, err)
	}
	return nil
}

// existing tells which of the JIDs are accounts, asking once for each.
func existing(ctx context.Context, host sdk.Host, jids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(jids))
	for _, j := range jids {
		if _, done := out[j]; done {
			continue
		}
		local, _, _ := strings.Cut(j, "@")
		ok, err := host.Accounts().Exists(ctx, local)
		if err != nil {
			return nil, fmt.Errorf("looking up the account %s: %w", j, err)
		}
		out[j] = ok
	}
	return out, nil
}
