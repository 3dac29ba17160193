package roster

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

type (
	ManagedRequest = rosterapi.ManagedRequest
	ManagedItem    = rosterapi.ManagedItem
)

// managedPart is what one plugin says about an item it manages.
type managedPart struct {
	Name   string   `json:"name,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

func (m managedPart) equal(o managedPart) bool {
	return m.Name == o.Name && slices.Equal(m.Groups, o.Groups)
}

// setManaged sets caller's part of the record, or removes it for nil. No
// part left is a nil map, so that records compare and encode alike.
func (r *record) setManaged(caller string, m *managedPart) {
	if m == nil {
		delete(r.Managed, caller)
		if len(r.Managed) == 0 {
			r.Managed = nil
		}
		return
	}
	if r.Managed == nil {
		r.Managed = map[string]managedPart{}
	}
	r.Managed[caller] = *m
}

// methodManaged replaces, all at once, the items that the calling plugin
// manages in an owner's roster (sharedroster's shared groups). The caller
// is the core's word, so one plugin cannot touch another's items. Each
// item that changes goes through commit like any other change: the
// version moves on, the owner's interested resources get a push and the
// changed topic tells presence, which starts or stops sharing presence.
func (r *Roster) methodManaged(ctx context.Context, caller string, payload []byte) ([]byte, error) {
	if caller == "" {
		return nil, stanza.Errorf(stanza.BadRequest, "managed items belong to a calling plugin, and there is none")
	}
	owner, want, err := parseManaged(payload)
	if err != nil {
		return nil, err
	}
	host, log, _ := r.env()
	exists, err := r.accountExists(ctx, host, owner)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no account "+owner)
	}
	unlock := r.locks.lock(owner)
	defer unlock()
	entries, err := loadAll(ctx, host.Store(owner))
	if err != nil {
		return nil, fmt.Errorf("reading the roster of %s: %w", owner, err)
	}
	changes := managedChanges(owner, caller, entries, want)
	log.Debug("managed items replaced", "jid", owner, "caller", caller, "items", len(want))
	if err := r.commit(ctx, changes); err != nil {
		return nil, fmt.Errorf("writing the items %s manages in the roster of %s: %w", caller, owner, err)
	}
	return []byte("{}"), nil
}

// managedChanges sets caller's part of every record to what want says:
// records it no longer lists lose their part (and go, when nothing else
// held them); contacts new to the roster get a record whose own part is
// hidden. In JID order.
func managedChanges(owner, caller string, entries []entry, want map[string]managedPart) []change {
	changes := make([]change, 0, len(entries)+len(want))
	known := make(map[string]bool, len(entries))
	for _, e := range entries {
		known[e.contact] = true
		after := e.rec.clone()
		if m, ok := want[e.contact]; ok {
			after.setManaged(caller, &m)
		} else {
			after.setManaged(caller, nil)
		}
		changes = append(changes, change{owner: owner, contact: e.contact, before: e.rec, after: prune(after)})
	}
	for _, contact := range slices.Sorted(maps.Keys(want)) {
		if known[contact] {
			continue
		}
		m := want[contact]
		after := &record{Sub: "none", Hidden: true}
		after.setManaged(caller, &m)
		changes = append(changes, change{owner: owner, contact: contact, after: after})
	}
	slices.SortFunc(changes, func(a, b change) int { return strings.Compare(a.contact, b.contact) })
	return changes
}

// parseManaged checks a managed request: the owner a bare JID, the items
// distinct bare JIDs other than the owner, their groups named and distinct.
func parseManaged(payload []byte) (string, map[string]managedPart, error) {
	var req ManagedRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return "", nil, stanza.Errorf(stanza.BadRequest, "decoding the request: "+err.Error())
	}
	owner, err := parseBare(req.Owner)
	if err != nil {
		return "", nil, stanza.Errorf(stanza.JIDMalformed, "the owner: "+err.Error())
	}
	if req.Items == nil {
		// Absent is not "none": a caller that means to take every item
		// back says so with [].
		return "", nil, stanza.Errorf(stanza.BadRequest, "the request lists no items, not even []")
	}
	want := make(map[string]managedPart, len(req.Items))
	for i, it := range req.Items {
		contact, err := parseBare(it.JID)
		switch {
		case err != nil:
			return "", nil, stanza.Errorf(stanza.JIDMalformed, fmt.Sprintf("item %d: %v", i+1, err))
		case contact == owner:
			return "", nil, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("item %d: an account cannot be in its own roster", i+1))
		}
		if _, dup := want[contact]; dup {
			return "", nil, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("item %d: %s is listed twice", i+1, contact))
		}
		for k, g := range it.Groups {
			switch {
			case strings.TrimSpace(g) == "":
				return "", nil, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("item %d: a group needs a name", i+1))
			case slices.Contains(it.Groups[:k], g):
				return "", nil, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("item %d: the group %s is listed twice", i+1, g))
			}
		}
		want[contact] = managedPart{Name: it.Name, Groups: it.Groups}
	}
	return owner, want, nil
}
