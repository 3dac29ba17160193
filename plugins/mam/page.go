package mam

import (
	"context"
	"fmt"
	"slices"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
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
	r := &indexReader{a: a, s: s, backward: backward, chunk: chunk, cursor: s.lo}
	if backward {
		r.cursor = s.hi
	}
	var out []item
	for len(out) < want {
		found, err := r.next(ctx, want-len(out))
		if err != nil {
			return nil, false, err
		}
		if len(found) == 0 {
			break
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
	}
	more := len(out) > n
	out = out[:min(len(out), n)]
	if backward {
		slices.Reverse(out)
	}
	return out, more, nil
}

// indexReader walks the messages of a scope in order, or in reverse: the
// records of m/, or the entries of the groups of the index by peer.
type indexReader struct {
	a        archive
	s        *scope
	backward bool
	chunk    int    // records per Scan, at most
	cursor   string // the last record read
	// records and entries count what the Scans of the index by peer
	// returned: records, and the messages they named.
	records, entries int
	queue            []item // read, in scope, not yet taken
	started          bool
	done             bool // nothing in scope past the queue
}

// next takes up to k messages; none when the scope has no more.
func (r *indexReader) next(ctx context.Context, k int) ([]item, error) {
	for len(r.queue) == 0 && !r.done {
		if err := r.fill(ctx, k); err != nil {
			return nil, err
		}
	}
	k = min(k, len(r.queue))
	out := r.queue[:k:k]
	r.queue = r.queue[k:]
	return out, nil
}

// firstGroups is how many records of the index by peer the first Scan of
// a page reads: a record names up to groupMax messages, so a page of a
// busy conversation is in one or two, and reading a whole page's worth of
// records would read up to groupMax times the messages wanted.
const firstGroups = 3

// groupsFor is how many records of the index by peer should hold k more
// messages, judged by those read so far: one more than the average says,
// at most chunk.
func (r *indexReader) groupsFor(k int) int {
	if r.records == 0 || r.entries == 0 {
		return min(r.chunk, firstGroups)
	}
	return min(r.chunk, (k*r.records+r.entries-1)/r.entries+1)
}

// fill reads the records that should hold the next k messages into the
// queue.
func (r *indexReader) fill(ctx context.Context, k int) error {
	n := r.chunk
	if r.s.prefix != msgPrefix {
		n = r.groupsFor(k)
	}
	var kvs []sdk.KV
	if !r.started && !r.backward && r.s.prefix != msgPrefix && r.s.lo != r.s.prefix {
		// The group holding the first messages after lo (when the scope
		// has a lower bound) may start at or before it: the last such
		// group is read too. (Groups never
		// overlap, so no earlier one reaches past lo.) Keys sort after
		// their prefixes, so the last key before lo+"\x00" is lo or before.
		prev, err := r.a.st.Scan(ctx, r.s.prefix, r.s.lo+"\x00", 1, true)
		if err != nil {
			return fmt.Errorf("reading the archive: %w", err)
		}
		kvs = prev
	}
	r.started = true
	more, err := r.a.st.Scan(ctx, r.s.prefix, r.cursor, n, r.backward)
	if err != nil {
		return fmt.Errorf("reading the archive: %w", err)
	}
	r.done = len(more) < n
	if len(more) > 0 {
		r.cursor = more[len(more)-1].Key
	}
	for _, kv := range append(kvs, more...) {
		items := r.itemsOf(kv)
		r.records++
		r.entries += len(items)
		for _, it := range items {
			switch k := r.s.keyOf(it.e); {
			case k <= r.s.lo:
				if r.backward {
					r.done = true // and so is everything after
					return nil
				}
			case r.s.hi != "" && k >= r.s.hi:
				if !r.backward {
					r.done = true
					return nil
				}
			default:
				r.queue = append(r.queue, it)
			}
		}
	}
	return nil
}

// itemsOf reads a record of the scope's index, in the reader's order.
func (r *indexReader) itemsOf(kv sdk.KV) []item {
	if r.s.prefix == msgPrefix {
		if e, ok := parseMsgKey(kv.Key); ok {
			return []item{{e: e, stanza: kv.Value}}
		}
		return nil
	}
	entries := parseGroup(kv.Key, kv.Value)
	out := make([]item, len(entries))
	for i, e := range entries {
		out[i] = item{e: e}
	}
	if r.backward {
		slices.Reverse(out)
	}
	return out
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
