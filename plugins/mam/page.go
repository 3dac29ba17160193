package mam

import (
	"context"
	"fmt"
	"slices"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// item is an archived message found by a query.
type item struct {
	e      entry
	stanza []byte
}

// scope is the part of an index a query covers: keys strictly between lo
// and hi ("" for no bound), in the range of prefix.
type scope struct {
	prefix string // msgPrefix, or withIndex(peer)
	lo, hi string
}

// keyOf places a message in the scope's index. For the index by peer,
// a message of another peer still has a place: before or after the
// peer's messages of other times.
func (s *scope) keyOf(e entry) string {
	if s.prefix == msgPrefix {
		return e.msgKey()
	}
	return s.prefix + pad(e.nanos) + "/" + e.id
}

// above narrows the scope to keys after k; below to keys before k.
func (s *scope) above(k string) { s.lo = max(s.lo, k) }
func (s *scope) below(k string) {
	if s.hi == "" || k < s.hi {
		s.hi = k
	}
}

func (s *scope) inside(k string) bool { return k > s.lo && (s.hi == "" || k < s.hi) }

// scopeOf turns a query's filters and RSM ids into a scope. An id the
// archive does not hold is item-not-found (XEP-0313 §4.3, §4.1.3).
func scopeOf(ctx context.Context, a archive, q *query) (*scope, error) {
	s := &scope{prefix: msgPrefix}
	if q.with != "" {
		s.prefix = withIndex(q.withBare)
	}
	s.lo = s.prefix
	if q.start >= 0 {
		s.above(s.prefix + pad(q.start))
	}
	if q.end >= 0 {
		s.below(s.prefix + pad(q.end+1))
	}
	for _, b := range []struct {
		id    string
		after bool
	}{{q.afterID, true}, {q.after, true}, {q.beforeID, false}, {derefOr(q.before), false}} {
		if b.id == "" {
			continue
		}
		e, ok, err := a.lookup(ctx, b.id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, stanza.Errorf(stanza.ItemNotFound, fmt.Sprintf("no message %q in the archive", b.id))
		}
		if b.after {
			s.above(s.keyOf(e))
		} else {
			s.below(s.keyOf(e))
		}
	}
	return s, nil
}

func derefOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// page finds up to n messages of the scope, from its start, or from its
// end when backward, and reports whether there are more beyond them. The
// messages come in chronological order either way.
func page(ctx context.Context, a archive, s *scope, q *query, n int, backward bool) ([]item, bool, error) {
	want := n + 1 // one more than asked tells whether the page is the last
	chunk := want
	if q.with != q.withBare {
		chunk = max(want, 100) // a full JID filters the peer's messages further
	}
	if s.hi != "" && s.lo >= s.hi {
		return nil, false, nil
	}
	cursor := s.lo
	if backward {
		cursor = s.hi
	}
	var out []item
	for len(out) < want {
		kvs, err := a.st.Scan(ctx, s.prefix, cursor, chunk, backward)
		if err != nil {
			return nil, false, fmt.Errorf("reading the archive: %w", err)
		}
		exhausted := len(kvs) < chunk
		var found []item
		for _, kv := range kvs {
			if !s.inside(kv.Key) {
				exhausted = true
				break
			}
			if it, ok := itemOf(s, q, kv.Key, kv.Value); ok {
				found = append(found, it)
			}
		}
		if s.prefix != msgPrefix {
			// The index by peer names the messages; read those of the
			// page. The one past it only tells that there are more, unless
			// a full JID has yet to be matched against it.
			need := len(found)
			if q.with == q.withBare {
				need = min(need, max(n-len(out), 0))
			}
			loaded, err := load(ctx, a, found[:need])
			if err != nil {
				return nil, false, err
			}
			rest := found[need:]
			if len(loaded) < need { // some are gone: the rest fill the page
				if rest, err = load(ctx, a, rest); err != nil {
					return nil, false, err
				}
			}
			found = append(loaded, rest...)
		}
		for _, it := range found {
			if len(out) < want && matches(q, it) {
				out = append(out, it)
			}
		}
		if exhausted {
			break
		}
		cursor = kvs[len(kvs)-1].Key
	}
	more := len(out) > n
	out = out[:min(len(out), n)]
	if backward {
		slices.Reverse(out)
	}
	return out, more, nil
}

// itemOf reads a key of the scope's index.
func itemOf(s *scope, q *query, key string, value []byte) (item, bool) {
	if s.prefix == msgPrefix {
		e, ok := parseMsgKey(key)
		return item{e: e, stanza: value}, ok
	}
	e, ok := parseWithKey(key, q.withBare)
	return item{e: e}, ok
}

// load reads the messages the index by peer names, a few at a time. A
// message not there any more (deleted by the cleanup meanwhile) is left
// out.
func load(ctx context.Context, a archive, items []item) ([]item, error) {
	errs := make([]error, len(items))
	parallel(len(items), readers, func(i int) {
		items[i].stanza, errs[i] = a.message(ctx, items[i].e)
	})
	out := make([]item, 0, len(items))
	for i, it := range items {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if it.stanza != nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// readers is how many messages one query reads at once.
const readers = 8

// matches applies what the key range cannot: a full JID in 'with'
// matches the message's 'from' or 'to' exactly (XEP-0313 §4.1.1).
func matches(q *query, it item) bool {
	if q.with == q.withBare {
		return true
	}
	el, err := unmarshal(it.stanza)
	if err != nil {
		return false
	}
	for _, attr := range []string{"from", "to"} {
		if j, err := jid.Parse(el.SelectAttrValue(attr, "")); err == nil && j.String() == q.with {
			return true
		}
	}
	return false
}
