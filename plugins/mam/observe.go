package mam

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanzaid"
)

// observed is a message of a batch on its way into its archive.
type observed struct {
	e        entry
	outgoing bool
	stanza   []byte
}

// observe archives a batch from the core in one store transaction (more
// only for a batch of large messages). One transaction per account, as
// before, cost a commit per message when a batch spans hundreds of
// accounts, which capped the archive at about 3 400 copies a second on
// one core. The messages of each account keep the order they came in, so
// a query never finds a message without those routed before it (a client
// paging on from its last id would otherwise skip one for good).
func (m *MAM) observe(ctx context.Context, b sdk.ObservedBatch) error {
	m.observing.Lock()
	defer m.observing.Unlock()
	host, cfg := m.settings.Current()
	if host == nil {
		return errors.New("archiving messages: not configured yet")
	}
	var owners []string
	byOwner := map[string][]observed{}
	var errs []error
	failed := map[string]bool{}
	for _, msg := range b.Messages {
		if msg.Owner == "" || msg.StanzaID == "" || failed[msg.Owner] {
			continue
		}
		// New messages must come after those already archived, or a group
		// of the index by peer could overlap an older one.
		var last int64
		err := whileUnavailable(ctx, func() (err error) {
			last, err = m.owners.lastOf(ctx, host.Store(msg.Owner), msg.Owner)
			return err
		})
		if err != nil {
			failed[msg.Owner] = true
			errs = append(errs, fmt.Errorf("archiving for %s: %w", msg.Owner, err))
			continue
		}
		with := bareOf(msg.With)
		// A message to oneself comes twice, sent and received, each with
		// its own id, and the archive keeps both, as Prosody and ejabberd
		// do: clients that sync tell their own sent copy by it.
		if _, ok := byOwner[msg.Owner]; !ok {
			owners = append(owners, msg.Owner)
		}
		at := msg.Time.UnixNano()
		if n, ok := stanzaid.Time(msg.StanzaID); ok {
			at = n // the message is then found by its id alone
		}
		e := entry{nanos: m.owners.next(msg.Owner, at, last), with: with, id: msg.StanzaID}
		byOwner[msg.Owner] = append(byOwner[msg.Owner], observed{e: e, outgoing: msg.Outgoing, stanza: msg.Stanza})
	}
	w := &batchWriter{host: host, groupMax: m.groupMax, errs: errs}
	for _, owner := range owners {
		if err := m.archiveOwner(ctx, host, cfg, owner, byOwner[owner], w); err != nil {
			w.errs = append(w.errs, err)
		}
	}
	w.flush(ctx)
	return errors.Join(w.errs...)
}

// batchWriter gathers the records of a batch into store batches of at most
// sdk.MaxStoreBatchBytes, normally one. The records of one message, its
// index record among them, always go in the same store batch: a group of
// the index by peer is closed when its store batch is cut.
type batchWriter struct {
	host     sdk.Host
	groupMax int
	ops      []sdk.StoreOp
	size     int
	groups   map[peerIndex]*openGroup
	errs     []error
}

// peerIndex names the index by peer of one account for one peer.
type peerIndex struct{ owner, with string }

// openGroup is a record of the index by peer still taking messages.
type openGroup struct {
	owner   string
	entries []entry
}

func (g *openGroup) op() sdk.StoreOp {
	return sdk.StoreOp{Owner: g.owner, Key: g.entries[0].withKey(), Value: groupValue(g.entries)}
}

// add writes a message of owner's archive.
func (w *batchWriter) add(ctx context.Context, owner string, e entry, stanza []byte) {
	ops := messageOps(owner, e, stanza)
	n := nanosWidth + len(e.id) + 2 // its line in the group
	for _, op := range ops {
		n += len(op.Owner) + len(op.Key) + len(op.Value) + 16
	}
	k := peerIndex{owner, e.with}
	g := w.groups[k]
	opening := len(owner) + len(e.withKey()) + 16 // a new group's record
	if g == nil {
		n += opening
	}
	if w.size+n > sdk.MaxStoreBatchBytes {
		w.flush(ctx)
		if g != nil {
			n, g = n+opening, nil
		}
	}
	w.ops = append(w.ops, ops...)
	w.size += n
	if !groupable(e) {
		w.ops = append(w.ops, (&openGroup{owner: owner, entries: []entry{e}}).op())
		return
	}
	if g == nil {
		if w.groups == nil {
			w.groups = map[peerIndex]*openGroup{}
		}
		g = &openGroup{owner: owner}
		w.groups[k] = g
	}
	g.entries = append(g.entries, e)
	if len(g.entries) >= w.groupMax {
		w.ops = append(w.ops, g.op())
		delete(w.groups, k)
	}
}

func (w *batchWriter) flush(ctx context.Context) {
	for k, g := range w.groups {
		w.ops = append(w.ops, g.op())
		delete(w.groups, k)
	}
	if len(w.ops) == 0 {
		return
	}
	if err := whileUnavailable(ctx, func() error { return w.host.StoreBatch(ctx, w.ops) }); err != nil {
		w.errs = append(w.errs, fmt.Errorf("archiving %d records: %w", len(w.ops), err))
	}
	w.ops, w.size = w.ops[:0], 0
}

// archiveOwner adds to w the records of one account's messages of a
// batch, as its preferences say.
func (m *MAM) archiveOwner(ctx context.Context, host sdk.Host, cfg Config, owner string, msgs []observed, w *batchWriter) error {
	st := host.Store(owner)
	var p *prefs
	err := whileUnavailable(ctx, func() (err error) {
		p, err = m.owners.prefs.Get(ctx, owner, func(ctx context.Context) (*prefs, error) {
			return loadPrefs(ctx, st, cfg.DefaultPreference)
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("archiving for %s: %w", owner, err)
	}
	var roster *rosterSet // read once, if the preferences need it
	for _, o := range msgs {
		switch p.decide(o.e.with, peerOf(o, p)) {
		case skipIt:
			continue
		case askRoster:
			if roster == nil {
				roster = m.readRoster(ctx, host, owner)
			}
			if !roster.has(o.e.with) && o.e.with != owner {
				continue
			}
		}
		if err := m.list(ctx, host, owner); err != nil {
			return err
		}
		w.add(ctx, owner, o.e, o.stanza)
	}
	return nil
}

// list enters an account in the server-wide index the retention cleanup
// walks, once.
func (m *MAM) list(ctx context.Context, host sdk.Host, owner string) error {
	err := whileUnavailable(ctx, func() error {
		_, err := m.owners.listed.Get(ctx, owner, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, host.Store("").Put(ctx, ownerPrefix+owner, []byte{})
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("listing %s among archive owners: %w", owner, err)
	}
	return nil
}

// peerOf is the other party's full JID, which the preferences need only
// when they list one: the 'to' of an outgoing message, the 'from' of an
// incoming one (XEP-0441 §2.3). "" when not needed or not readable.
func peerOf(o observed, p *prefs) string {
	if !p.needsFull() {
		return ""
	}
	el, err := sdk.UnmarshalElement(o.stanza)
	if err != nil {
		return ""
	}
	attr := "from"
	if o.outgoing {
		attr = "to"
	}
	j, err := jid.Parse(el.SelectAttrValue(attr, ""))
	if err != nil {
		return ""
	}
	return j.String()
}

// rosterSet is the bare JIDs of an account's roster.
type rosterSet struct {
	jids    map[string]bool
	unknown bool // the roster could not be read
}

// has reports whether jid is in the roster. When the roster could not be
// read the message is archived: a lost message is worse than one kept
// from a stranger, and 'roster' is a filter against strangers rather than
// a secrecy promise (that is what the never list is for).
func (r *rosterSet) has(jid string) bool { return r.unknown || r.jids[jid] }

// readRoster asks the roster plugin for the account's contacts.
func (m *MAM) readRoster(ctx context.Context, host sdk.Host, owner string) *rosterSet {
	items, err := rosterapi.ReadItems(ctx, host, owner)
	if err != nil {
		host.Logger().Warn("reading the roster failed; archiving as if every peer were in it", "jid", owner, "error", err)
		return &rosterSet{unknown: true}
	}
	r := &rosterSet{jids: make(map[string]bool, len(items.Items))}
	for _, it := range items.Items {
		r.jids[it.JID] = true
	}
	return r
}

// forget drops what is kept about a deleted account beyond its own rows,
// which the core deletes: its place in the owner index.
func (m *MAM) forget(ctx context.Context, ev sdk.Event) error {
	host, _ := m.settings.Current()
	m.owners.forget(ev.JID)
	if err := host.Store("").Delete(ctx, ownerPrefix+ev.JID); err != nil {
		return fmt.Errorf("removing %s from archive owners: %w", ev.JID, err)
	}
	return nil
}

// parallel runs f(0) … f(n-1) on at most limit goroutines.
func parallel(n, limit int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, limit)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}
