package roster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, in the store of each owner (the account's bare JID):
//
//	item/<contact bare JID>  a record, as JSON
//	ver                      the roster version, "<epoch>-<counter>"
//
// Bare JIDs hold no '/', so "item/" scans exactly the items, in JID order.
const (
	itemPrefix = "item/"
	verKey     = "ver"
)

func itemKey(contact string) string { return itemPrefix + contact }

// record is one contact as the owner's roster keeps it. It has two parts:
// the owner's own item and the items other plugins manage (Managed). The
// own part is Hidden when the owner never added the contact: the record
// then only remembers a request from the contact (RFC 6121 §3.1.3 keeps
// such requests without adding an item), or holds managed items alone.
// It goes away when neither is left.
type record struct {
	Name      string   `json:"name,omitempty"`
	Groups    []string `json:"groups,omitempty"`
	Sub       string   `json:"subscription"` // none, to, from or both
	Ask       bool     `json:"ask,omitempty"`
	PendingIn bool     `json:"pending_in,omitempty"`
	Approved  bool     `json:"approved,omitempty"`
	Hidden    bool     `json:"hidden,omitempty"`
	// Request is the contact's pending subscription request as it will be
	// delivered again (with its <status/> or nick), while PendingIn.
	Request string `json:"request,omitempty"`
	// Managed are the items that plugins put in the roster through the
	// managed method, by calling plugin. While there is one, the item is
	// listed, with subscription both, whatever the own part says.
	Managed map[string]managedPart `json:"managed,omitempty"`
}

func (r *record) state() State { return stateOf(r.Sub, r.Ask, r.PendingIn) }

func (r *record) setState(s State) {
	r.Sub, r.Ask, r.PendingIn = s.Subscription(), s.PendingOut(), s.PendingIn()
	if !r.PendingIn {
		r.Request = ""
	}
	if s != None && s != NonePendingOut && s != To {
		r.Approved = false // pre-approval only exists in these states (§3.4)
	}
}

// listed: the roster shows the item, as the owner's or as a managed one.
func (r *record) listed() bool { return r != nil && (!r.Hidden || len(r.Managed) > 0) }

// own: the owner added the item (or a subscription did); only these count
// towards max_items and obey the owner's edits.
func (r *record) own() bool { return r != nil && !r.Hidden }

// managed: a plugin manages the item, which is then shown with
// subscription both and cannot be removed by the owner.
func (r *record) managed() bool { return r != nil && len(r.Managed) > 0 }

func (r *record) clone() *record {
	if r == nil {
		return nil
	}
	c := *r
	c.Groups = slices.Clone(r.Groups)
	c.Managed = nil
	for caller, m := range r.Managed {
		c.setManaged(caller, &managedPart{Name: m.Name, Groups: slices.Clone(m.Groups)})
	}
	return &c
}

func (r *record) equal(o *record) bool {
	if r == nil || o == nil {
		return r == o
	}
	return r.Name == o.Name && slices.Equal(r.Groups, o.Groups) && r.Sub == o.Sub && r.Ask == o.Ask &&
		r.PendingIn == o.PendingIn && r.Approved == o.Approved && r.Hidden == o.Hidden && r.Request == o.Request &&
		maps.EqualFunc(r.Managed, o.Managed, managedPart.equal)
}

// load reads owner's record for contact; nil when there is none.
func load(ctx context.Context, st sdk.Store, contact string) (*record, error) {
	b, err := st.Get(ctx, itemKey(contact))
	if errors.Is(err, sdk.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding roster item %q: %w", contact, err)
	}
	return &r, nil
}

// save writes a record, or deletes it when r is nil.
func save(ctx context.Context, st sdk.Store, contact string, r *record) error {
	if r == nil {
		return st.Delete(ctx, itemKey(contact))
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding roster item %q: %w", contact, err)
	}
	return st.Put(ctx, itemKey(contact), b)
}

// entry is a record with the contact it is for.
type entry struct {
	contact string
	rec     *record
}

// loadAll reads every record of a roster, hidden ones included, in JID
// order: one Scan.
func loadAll(ctx context.Context, st sdk.Store) ([]entry, error) {
	kvs, err := st.Scan(ctx, itemPrefix, "", 0, false)
	if err != nil {
		return nil, err
	}
	out := make([]entry, 0, len(kvs))
	for _, kv := range kvs {
		var r record
		if err := json.Unmarshal(kv.Value, &r); err != nil {
			return nil, fmt.Errorf("decoding roster item %q: %w", kv.Key, err)
		}
		out = append(out, entry{contact: strings.TrimPrefix(kv.Key, itemPrefix), rec: &r})
	}
	return out, nil
}

// initialVersion is the version of a roster that was never written.
const initialVersion = "0"

// version reads the roster's version (XEP-0237).
func version(ctx context.Context, st sdk.Store) (string, error) {
	b, err := st.Get(ctx, verKey)
	if errors.Is(err, sdk.ErrNotFound) {
		return initialVersion, nil
	}
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// bump moves the version on and returns the new one. The epoch, chosen
// when the roster is first written, keeps a client's cached version of a
// deleted account from matching the roster of a new one with the same JID.
func nextVersion(cur string) string {
	epoch, n, ok := strings.Cut(cur, "-")
	count, err := strconv.ParseUint(n, 10, 64)
	if !ok || err != nil {
		var b [4]byte
		rand.Read(b[:]) // never fails (crypto/rand documents it)
		epoch, count = hex.EncodeToString(b[:]), 0
	}
	return epoch + "-" + strconv.FormatUint(count+1, 10)
}

// itemOp is the store operation that writes a record, or deletes it when
// r is nil.
func itemOp(owner, contact string, r *record) (sdk.StoreOp, error) {
	if r == nil {
		return sdk.StoreOp{Owner: owner, Key: itemKey(contact), Delete: true}, nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return sdk.StoreOp{}, fmt.Errorf("encoding roster item %q: %w", contact, err)
	}
	return sdk.StoreOp{Owner: owner, Key: itemKey(contact), Value: b}, nil
}
