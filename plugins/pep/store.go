package pep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, in the store of each account (owner: its bare JID):
//
//	node/<node>          the node: configuration, item counter, how many
//	                     items and payload bytes it holds (nodeRecord)
//	item/<node>/<id>     where item <id> is: its sequence number and
//	                     payload size (itemRef), small, for lookups by id
//	seq/<node>/<seq>     the item itself, under its sequence number (16
//	                     hex digits), so that a scan reads items in
//	                     publish order (itemRecord)
//	sub/<node>/<jid>     an explicit subscription of <jid> (bare or full)
//
// <node> is escaped as a URL path segment, so it holds no "/" and one
// node's keys never start with another's prefix. Values are JSON.
//
// A node's record is written after its items on publish and before them
// on removal, so that a crash in between leaves the counts at most the
// truth: trimming never removes an item too many.
//
// The core deletes every key of an account with the account.
type store struct{ sdk.Store }

// nodeRecord is a node as stored.
type nodeRecord struct {
	Name    string     `json:"name"`
	Config  nodeConfig `json:"config"`
	Seq     uint64     `json:"seq"`   // the last sequence number given
	Count   int        `json:"count"` // items held
	Bytes   int        `json:"bytes"` // their payloads' size
	Created time.Time  `json:"created"`
}

// itemRef locates an item by id.
type itemRef struct {
	Seq  uint64 `json:"seq"`
	Size int    `json:"size"`
}

// itemRecord is an item as stored.
type itemRecord struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Payload string    `json:"payload"` // the payload element, serialized standalone
	seq     uint64    // from the key
}

func esc(node string) string        { return url.PathEscape(node) }
func nodeKey(node string) string    { return "node/" + esc(node) }
func itemPrefix(node string) string { return "item/" + esc(node) + "/" }
func seqPrefix(node string) string  { return "seq/" + esc(node) + "/" }
func subPrefix(node string) string  { return "sub/" + esc(node) + "/" }
func seqKey(node string, seq uint64) string {
	return fmt.Sprintf("%s%016x", seqPrefix(node), seq)
}

// nodes returns every node of the account, in key order.
func (s store) nodes(ctx context.Context) ([]*nodeRecord, error) {
	kvs, err := s.Scan(ctx, "node/", "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	out := make([]*nodeRecord, 0, len(kvs))
	for _, kv := range kvs {
		var n nodeRecord
		if err := json.Unmarshal(kv.Value, &n); err != nil {
			return nil, fmt.Errorf("decoding node %s: %w", kv.Key, err)
		}
		out = append(out, &n)
	}
	return out, nil
}

// node returns a node, nil when there is none.
// existingNode is node for a request that needs the node to exist: its
// absence is item-not-found (XEP-0060 §6.1.3.10 and the like).
func (s store) existingNode(ctx context.Context, name string) (*nodeRecord, error) {
	n, err := s.node(ctx, name)
	if err == nil && n == nil {
		err = errNoNode()
	}
	return n, err
}

func (s store) node(ctx context.Context, name string) (*nodeRecord, error) {
	var n nodeRecord
	ok, err := s.getJSON(ctx, nodeKey(name), &n)
	if err != nil || !ok {
		return nil, err
	}
	return &n, nil
}

func (s store) putNode(ctx context.Context, n *nodeRecord) error {
	return s.putJSON(ctx, nodeKey(n.Name), n)
}

// ref returns where an item is, nil when there is no such item.
func (s store) ref(ctx context.Context, node, id string) (*itemRef, error) {
	var r itemRef
	ok, err := s.getJSON(ctx, itemPrefix(node)+id, &r)
	if err != nil || !ok {
		return nil, err
	}
	return &r, nil
}

// putItem stores an item under a new sequence number: the item first,
// then the reference that finds it.
func (s store) putItem(ctx context.Context, node string, it itemRecord, size int) error {
	if err := s.putJSON(ctx, seqKey(node, it.seq), it); err != nil {
		return err
	}
	return s.putJSON(ctx, itemPrefix(node)+it.ID, itemRef{Seq: it.seq, Size: size})
}

// dropItem deletes an item, the reference first.
func (s store) dropItem(ctx context.Context, node, id string, seq uint64) error {
	if err := s.Delete(ctx, itemPrefix(node)+id); err != nil {
		return fmt.Errorf("deleting item %q of %s: %w", id, node, err)
	}
	return s.dropSeq(ctx, node, seq)
}

func (s store) dropSeq(ctx context.Context, node string, seq uint64) error {
	if err := s.Delete(ctx, seqKey(node, seq)); err != nil {
		return fmt.Errorf("deleting an item of %s: %w", node, err)
	}
	return nil
}

// item returns an item by id, nil when there is none.
func (s store) item(ctx context.Context, node, id string) (*itemRecord, error) {
	r, err := s.ref(ctx, node, id)
	if err != nil || r == nil {
		return nil, err
	}
	var it itemRecord
	ok, err := s.getJSON(ctx, seqKey(node, r.Seq), &it)
	if err != nil || !ok {
		return nil, err
	}
	it.seq = r.Seq
	return &it, nil
}

// scanItems reads items in publish order (newest first when newest), at
// most limit of them (0: all), page items per call: items are large, and
// one answer of the core must stay small. Keep, when not nil, stops the
// scan once it returns false for an item, which is not included.
func (s store) scanItems(ctx context.Context, node string, newest bool, limit, page int, keep func(itemRecord) bool) ([]itemRecord, error) {
	var out []itemRecord
	seen := map[string]bool{}
	after := ""
	for limit == 0 || len(out) < limit {
		n := page
		if limit > 0 {
			n = min(page, limit-len(out))
		}
		kvs, err := s.Scan(ctx, seqPrefix(node), after, n, newest)
		if err != nil {
			return nil, fmt.Errorf("reading the items of %s: %w", node, err)
		}
		for _, kv := range kvs {
			it, err := decodeItem(kv)
			if err != nil {
				return nil, err
			}
			if seen[it.ID] { // republished while we read: the newer one counts
				continue
			}
			if keep != nil && !keep(it) {
				return out, nil
			}
			seen[it.ID] = true
			out = append(out, it)
		}
		if len(kvs) < n {
			break
		}
		after = kvs[len(kvs)-1].Key
	}
	return out, nil
}

func decodeItem(kv sdk.KV) (itemRecord, error) {
	var it itemRecord
	if err := json.Unmarshal(kv.Value, &it); err != nil {
		return it, fmt.Errorf("decoding item %s: %w", kv.Key, err)
	}
	_, hex, _ := strings.Cut(strings.TrimPrefix(kv.Key, "seq/"), "/")
	if _, err := fmt.Sscanf(hex, "%x", &it.seq); err != nil {
		return it, fmt.Errorf("decoding the key %s: %w", kv.Key, err)
	}
	return it, nil
}

// subscribers lists the explicit subscriptions of a node.
func (s store) subscribers(ctx context.Context, node string) ([]string, error) {
	kvs, err := s.Scan(ctx, subPrefix(node), "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("listing the subscribers of %s: %w", node, err)
	}
	out := make([]string, len(kvs))
	for i, kv := range kvs {
		out[i] = strings.TrimPrefix(kv.Key, subPrefix(node))
	}
	return out, nil
}

// dropNode deletes a node's items, subscriptions and record, the record
// first.
func (s store) dropNode(ctx context.Context, node string) error {
	if err := s.Delete(ctx, nodeKey(node)); err != nil {
		return fmt.Errorf("deleting node %s: %w", node, err)
	}
	if err := s.dropItems(ctx, node); err != nil {
		return err
	}
	return s.dropPrefix(ctx, subPrefix(node))
}

// dropItems deletes every item of a node, reading the small references
// rather than the items.
func (s store) dropItems(ctx context.Context, node string) error {
	for {
		kvs, err := s.Scan(ctx, itemPrefix(node), "", 500, false)
		if err != nil {
			return fmt.Errorf("listing the items of %s: %w", node, err)
		}
		for _, kv := range kvs {
			var r itemRef
			if err := json.Unmarshal(kv.Value, &r); err != nil {
				return fmt.Errorf("decoding %s: %w", kv.Key, err)
			}
			if err := s.dropItem(ctx, node, strings.TrimPrefix(kv.Key, itemPrefix(node)), r.Seq); err != nil {
				return err
			}
		}
		if len(kvs) < 500 {
			// Items whose reference a crash left behind.
			return s.dropPrefix(ctx, seqPrefix(node))
		}
	}
}

func (s store) dropPrefix(ctx context.Context, prefix string) error {
	for {
		kvs, err := s.Scan(ctx, prefix, "", 100, false)
		if err != nil {
			return fmt.Errorf("listing %s: %w", prefix, err)
		}
		for _, kv := range kvs {
			if err := s.Delete(ctx, kv.Key); err != nil {
				return fmt.Errorf("deleting %s: %w", kv.Key, err)
			}
		}
		if len(kvs) < 100 {
			return nil
		}
	}
}

func isNotFound(err error) bool { return errors.Is(err, sdk.ErrNotFound) }

func (s store) getJSON(ctx context.Context, key string, v any) (bool, error) {
	b, err := s.Get(ctx, key)
	if errors.Is(err, sdk.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decoding %s: %w", key, err)
	}
	return true, nil
}

func (s store) putJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", key, err)
	}
	if err := s.Put(ctx, key, b); err != nil {
		return fmt.Errorf("writing %s: %w", key, err)
	}
	return nil
}
