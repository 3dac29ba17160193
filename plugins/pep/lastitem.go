package pep

import (
	"context"
	"errors"
	"slices"
)

// viewer is a session that may get last published items.
type viewer struct {
	full   string
	notify map[string]bool
}

// deliverLast sends a newly available session the last item of each node
// it is interested in and may see: its own account's, and those of every
// contact whose presence it receives (XEP-0163 §4.3.2 and §6.2,
// send_last_published_item on_sub_and_presence).
func (p *PEP) deliverLast(ctx context.Context, ref sessionRef, notify map[string]bool, priority int) error {
	if len(notify) == 0 || priority < 0 {
		return nil
	}
	bare := bareOf(ref.full)
	host, _, _ := p.env()
	r, err := p.rosterOf(ctx, bare)
	if err != nil {
		return err
	}
	owners := []string{bare}
	for jid, c := range r {
		if c.sub&subTo != 0 && host.Hosts(domainOf(jid)) {
			owners = append(owners, jid)
		}
	}
	slices.Sort(owners[1:])
	v := []viewer{{full: ref.full, notify: notify}}
	var errs []error
	for _, owner := range owners {
		errs = append(errs, p.sendLastOf(ctx, owner, bare, v))
	}
	return errors.Join(errs...)
}

// sendLastOf sends viewers, sessions of the account viewerBare, the last
// item of each node of owner they are interested in and may see. A
// contact who receives the owner's presence is taken to be in the
// owner's roster with "from" (the roster plugin keeps both sides in
// step); the roster is read only for a node of the roster access model.
func (p *PEP) sendLastOf(ctx context.Context, owner, viewerBare string, viewers []viewer) error {
	host, _, _ := p.env()
	st := store{host.Store(owner)}
	nodes, err := st.nodes(ctx)
	if err != nil {
		return err
	}
	roster := p.lazyRoster(ctx, owner)
	var errs []error
	for _, n := range nodes {
		if !n.Config.Notify || n.Config.SendLast != sendOnSubPresence {
			continue
		}
		var to []string
		for _, v := range viewers {
			if v.notify[n.Name] {
				to = append(to, v.full)
			}
		}
		if len(to) == 0 {
			continue
		}
		if ok, err := mayReceive(owner, viewerBare, n.Config, roster); !ok {
			errs = append(errs, err)
			continue
		}
		last, err := st.scanItems(ctx, n.Name, true, 1, 1, nil)
		if err != nil || len(last) == 0 {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, p.notifyItem(ctx, owner, n, last[0], to, true))
	}
	return errors.Join(errs...)
}

// mayReceive: the owner always; a presence subscriber for the open and
// presence models; a member of an allowed group for the roster model.
func mayReceive(owner, viewer string, cfg nodeConfig, roster rosterFunc) (bool, error) {
	switch {
	case viewer == owner:
		return true, nil
	case cfg.Access == accessOpen || cfg.Access == accessPresence:
		return true, nil
	case cfg.Access == accessRoster:
		r, err := roster()
		if err != nil {
			return false, err
		}
		return reaches(cfg, r[viewer]), nil
	}
	return false, nil
}
