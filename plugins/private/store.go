package private

import (
	"context"
	"errors"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, in the store of each account (owner: its bare JID):
//
//	ns/<namespace>   the <query xmlns='jabber:iq:private'/> last set for
//	                 that namespace, serialized; each element in it
//	                 declares every namespace it uses, so the value reads
//	                 back without the stanza it came in
//
// The core deletes every key of an account with the account.
type store struct{ sdk.Store }

const prefix = "ns/"

func key(ns string) string { return prefix + ns }

// load returns what ns holds, or the empty element asked for when it holds
// nothing (XEP-0049 §2.3: a get is answered with the element, empty).
func (s store) load(ctx context.Context, ns, tag string) (*etree.Element, error) {
	b, err := s.Get(ctx, key(ns))
	if errors.Is(err, sdk.ErrNotFound) {
		q := sdk.NewElement(NS, "query")
		q.AddChild(sdk.NewElement(ns, tag))
		return q, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading private data %q: %w", ns, err)
	}
	q, err := sdk.UnmarshalElement(b)
	if err != nil {
		return nil, fmt.Errorf("parsing stored private data %q: %w", ns, err)
	}
	return q, nil
}

func (s store) save(ctx context.Context, ns string, b []byte) error {
	if err := s.Put(ctx, key(ns), b); err != nil {
		return fmt.Errorf("storing private data %q: %w", ns, err)
	}
	return nil
}

// usedBesides adds up the bytes the account stores, but for ns, which is
// about to be replaced.
func (s store) usedBesides(ctx context.Context, ns string) (int, error) {
	kvs, err := s.Scan(ctx, prefix, "", 0, false)
	if err != nil {
		return 0, fmt.Errorf("measuring private data: %w", err)
	}
	n := 0
	for _, kv := range kvs {
		if kv.Key != key(ns) {
			n += len(kv.Value)
		}
	}
	return n, nil
}
