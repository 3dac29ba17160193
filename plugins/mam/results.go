package mam

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleQuery runs a query (XEP-0313 §4): every result goes to the
// requester as a message, in order, and the IQ result that follows
// carries <fin/>.
func (m *MAM) handleQuery(ctx context.Context, req *sdk.Request, el *etree.Element, owner string) (*etree.Element, error) {
	if el.SelectAttr("node") != nil {
		return nil, stanza.Errorf(stanza.FeatureNotImplemented, "pubsub node archives (XEP-0442) are not kept")
	}
	q, err := parseQuery(el)
	if err != nil {
		return nil, err
	}
	host, cfg := m.settings.Current()
	a := archive{host.Store(owner)}
	var items []item
	more := false
	if len(q.ids) > 0 {
		items, err = byIDs(ctx, a, q, cfg.MaxPageSize)
	} else {
		items, more, err = search(ctx, a, q, cfg)
	}
	if err != nil {
		return nil, err
	}
	send := items
	if q.flipPage {
		send = slices.Clone(items)
		slices.Reverse(send)
	}
	if err := sendResults(ctx, host, owner, req.From, q.id, send); err != nil {
		return nil, err
	}
	return fin(items, !more), nil
}

// search pages through the archive: forward, or backward from <before/>.
func search(ctx context.Context, a archive, q *query, cfg Config) ([]item, bool, error) {
	n := cfg.PageSize
	if q.max >= 0 {
		n = min(q.max, cfg.MaxPageSize)
	}
	s, err := scopeOf(ctx, a, q)
	if err != nil {
		return nil, false, err
	}
	return page(ctx, a, s, q, n, q.before != nil)
}

// byIDs fetches the messages a query names in its ids field (XEP-0313
// §4.1.3), in chronological order, filtered by with, start and end.
func byIDs(ctx context.Context, a archive, q *query, limit int) ([]item, error) {
	if len(q.ids) > limit {
		return nil, stanza.Errorf(stanza.PolicyViolation, fmt.Sprintf("at most %d ids at a time", limit))
	}
	var items []item
	for _, id := range q.ids {
		e, ok, err := a.lookup(ctx, id)
		if err != nil {
			return nil, err
		}
		var b []byte
		if ok {
			if b, err = a.message(ctx, e); err != nil {
				return nil, err
			}
		}
		if b == nil {
			return nil, stanza.Errorf(stanza.ItemNotFound, fmt.Sprintf("no message %q in the archive", id))
		}
		it := item{e: e, stanza: b}
		if inTime(q, e) && (q.with == "" || e.with == q.withBare && matches(q, it)) &&
			!slices.ContainsFunc(items, func(o item) bool { return o.e.id == id }) {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(x, y item) int { return cmp.Compare(x.e.msgKey(), y.e.msgKey()) })
	return items, nil
}

func inTime(q *query, e entry) bool {
	return (q.start < 0 || e.nanos >= q.start) && (q.end < 0 || e.nanos <= q.end)
}
