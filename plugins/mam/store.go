package mam

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanzaid"
)

// The key scheme. In the store of each account (owner: its bare JID):
//
//	m/<nanos>/<with>/<id>   the message, serialized as the core gave it
//	w/<with>/<nanos>/<id>   the index by peer: a group of messages
//	                        with one peer, of which <nanos>/<id> is
//	                        the first; its value lists them all, one
//	                        "<nanos>/<id>" a line, or is empty for a
//	                        group of one (every record before groups)
//	i/<id>                  "<nanos>/<with>": where the message with
//	                        stanza-id <id> is, for the few messages whose
//	                        id does not say (below)
//	prefs                   the preferences (XEP-0441), JSON; absent
//	                        until the user sets them
//
// and in the server-wide store (owner ""):
//
//	owner/<bare JID>        empty: an account that has an archive, so
//	                        that the retention cleanup can find them all
//
// <nanos> is when the message was archived, in Unix nanoseconds,
// zero-padded to 20 digits, so that keys sort by time; no two messages of
// an archive get the same <nanos>, and each is later than any already
// archived (see ownerCache.next), so the order of keys is the order in
// which the core routed the messages. <with> is the other
// party's bare JID, which never holds a '/'; <id> is the stanza-id the
// core gave the message for this archive (XEP-0359), the rest of the key.
//
// The core's stanza-ids carry the time they were made (package
// sdk/stanzaid), and that time is the message's <nanos>: an id alone then
// finds its message with one Scan of m/<nanos>/. An i/ record is written
// only for a message whose <nanos> differs from its id's time (an id from
// before ids carried their time, or two messages of one account that the
// core stamped in one order and queued in the other). One index record
// fewer per message made SQLite's part of archiving about 1.7 times faster
// and the whole message path with the archive on about 1.35 times: each
// record is a B-tree insert and, since keys start with the owner, one
// more page per account that SQLite writes on every commit.
//
// The index by peer has a record per peer and batch the core handed over
// (at most groupMax messages), not per message: a batch of a busy server
// holds tens of messages between the same two accounts, and a record
// fewer per message made SQLite's part of archiving a third cheaper again
// (BenchmarkArchiveBatch, 13.0-13.2 -> 9.1-9.7 µs a copy). Since every message is
// later than those before it, the groups of one peer never overlap: they
// sort, and read, in the order of their messages.
//
// A query without 'with' is a range scan of m/, whose values are the
// messages: one Scan per page. A query with 'with' scans
// w/<with>/ for the groups, whose entries name the m/ key of each message,
// and reads the messages with one Get each. RSM ids and before-id/after-id
// become positions in either range through the id's time or i/<id>.
//
// A message and its index records are written in one store batch, and
// deleted in one, so that whatever a query finds in m/ can be found by id
// and by peer. The core deletes every key of an account with the account.
const (
	msgPrefix   = "m/"
	withPrefix  = "w/"
	idPrefix    = "i/"
	prefsKey    = "prefs"
	ownerPrefix = "owner/"
)

// nanosWidth is the width of <nanos>: the digits of the largest int64.
const nanosWidth = 20

// entry locates one archived message.
type entry struct {
	nanos int64
	with  string // the other party's bare JID
	id    string // the stanza-id
}

func pad(nanos int64) string { return fmt.Sprintf("%0*d", nanosWidth, nanos) }

func (e entry) msgKey() string  { return msgPrefix + pad(e.nanos) + "/" + e.with + "/" + e.id }
func (e entry) withKey() string { return withIndex(e.with) + pad(e.nanos) + "/" + e.id }
func (e entry) idKey() string   { return idPrefix + e.id }
func (e entry) idValue() []byte { return []byte(pad(e.nanos) + "/" + e.with) }

// withIndex is the prefix of the index by peer for with.
func withIndex(with string) string { return withPrefix + with + "/" }

// cutNanos splits "<nanos>/<rest>".
func cutNanos(s string) (int64, string, bool) {
	if len(s) < nanosWidth+1 || s[nanosWidth] != '/' {
		return 0, "", false
	}
	n, err := strconv.ParseInt(s[:nanosWidth], 10, 64)
	if err != nil || n < 0 {
		return 0, "", false
	}
	return n, s[nanosWidth+1:], true
}

// parseMsgKey reads an m/ key.
func parseMsgKey(key string) (entry, bool) {
	rest, ok := strings.CutPrefix(key, msgPrefix)
	if !ok {
		return entry{}, false
	}
	n, rest, ok := cutNanos(rest)
	if !ok {
		return entry{}, false
	}
	with, id, ok := strings.Cut(rest, "/")
	if !ok || id == "" {
		return entry{}, false
	}
	return entry{nanos: n, with: with, id: id}, true
}

// parseWithKey reads a w/ key of the index by peer: "w/<with>/<nanos>/<id>"
// (<with> never holds a '/').
func parseWithKey(key string) (entry, bool) {
	rest, ok := strings.CutPrefix(key, withPrefix)
	if !ok {
		return entry{}, false
	}
	with, rest, ok := strings.Cut(rest, "/")
	if !ok || with == "" {
		return entry{}, false
	}
	n, id, ok := cutNanos(rest)
	if !ok || id == "" {
		return entry{}, false
	}
	return entry{nanos: n, with: with, id: id}, true
}

// parseIDValue reads the value of an i/ key.
func parseIDValue(id string, v []byte) (entry, bool) {
	n, with, ok := cutNanos(string(v))
	if !ok {
		return entry{}, false
	}
	return entry{nanos: n, with: with, id: id}, true
}

// archive is one account's archive.
type archive struct{ st sdk.Store }

// lookup finds where the message with a stanza-id is; ok is false for an
// id the archive does not hold.
func (a archive) lookup(ctx context.Context, id string) (e entry, ok bool, err error) {
	if nanos, timed := stanzaid.Time(id); timed {
		at := msgPrefix + pad(nanos) + "/"
		// More than one message at one nanosecond only when two server
		// processes stamped them with a clock stepped back between them.
		kvs, err := a.st.Scan(ctx, at, "", 0, false)
		if err != nil {
			return entry{}, false, fmt.Errorf("looking up archived message %s: %w", id, err)
		}
		for _, kv := range kvs {
			if e, ok := parseMsgKey(kv.Key); ok && e.id == id {
				return e, true, nil
			}
		}
	}
	v, err := a.st.Get(ctx, idPrefix+id)
	if errors.Is(err, sdk.ErrNotFound) {
		return entry{}, false, nil
	}
	if err != nil {
		return entry{}, false, fmt.Errorf("looking up archived message %s: %w", id, err)
	}
	e, ok = parseIDValue(id, v)
	return e, ok, nil
}

// indexedByTime reports whether e's id finds it without an i/ record.
func (e entry) indexedByTime() bool {
	n, ok := stanzaid.Time(e.id)
	return ok && n == e.nanos
}

// message reads an archived message; nil when it is not (or no longer)
// there.
func (a archive) message(ctx context.Context, e entry) ([]byte, error) {
	v, err := a.st.Get(ctx, e.msgKey())
	if errors.Is(err, sdk.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading archived message %s: %w", e.id, err)
	}
	return v, nil
}

// messageOps are the writes that store a message but for its index by
// peer, which the caller writes in the same batch (see batchWriter).
func messageOps(owner string, e entry, stanza []byte) []sdk.StoreOp {
	ops := make([]sdk.StoreOp, 0, 2)
	if !e.indexedByTime() {
		ops = append(ops, sdk.StoreOp{Owner: owner, Key: e.idKey(), Value: e.idValue()})
	}
	return append(ops, sdk.StoreOp{Owner: owner, Key: e.msgKey(), Value: stanza})
}

// groupMax bounds the messages of one record of the index by peer, and so
// what deleting one of them rewrites and what a page by peer reads beyond
// the messages it shows (a page of 50 scans 51 records). A batch of a busy
// server holds tens of messages between two accounts at most.
const groupMax = 64

// groupValue is the value of the index record of entries, all with one
// peer, in order.
func groupValue(entries []entry) []byte {
	if len(entries) == 1 {
		return []byte{} // as every record was before groups
	}
	var b []byte
	for _, e := range entries {
		b = append(b, pad(e.nanos)...)
		b = append(b, '/')
		b = append(b, e.id...)
		b = append(b, '\n')
	}
	return b
}

// groupable reports whether e can share an index record: a line of one
// holds any id but one with a line break, which no core makes.
func groupable(e entry) bool { return !strings.ContainsRune(e.id, '\n') }

// parseGroup reads a record of the index by peer: its entries, in order.
// A record not of this form yields none.
func parseGroup(key string, value []byte) []entry {
	first, ok := parseWithKey(key)
	if !ok {
		return nil
	}
	if len(value) == 0 {
		return []entry{first}
	}
	var out []entry
	for line := range strings.Lines(string(value)) {
		n, id, ok := cutNanos(strings.TrimSuffix(line, "\n"))
		if !ok || id == "" {
			return nil
		}
		out = append(out, entry{nanos: n, with: first.with, id: id})
	}
	if len(out) == 0 || out[0] != first {
		return nil
	}
	return out
}

// groupAt finds the record of the index by peer that holds e, if any: the
// last one that starts at or before it.
func (a archive) groupAt(ctx context.Context, e entry) (key string, entries []entry, err error) {
	// Keys sort after their prefixes, so the largest key before
	// e.withKey()+"\x00" is e.withKey() itself or the one before it.
	kvs, err := a.st.Scan(ctx, withIndex(e.with), e.withKey()+"\x00", 1, true)
	if err != nil {
		return "", nil, fmt.Errorf("finding archived message %s in the index by peer: %w", e.id, err)
	}
	if len(kvs) == 0 {
		return "", nil, nil
	}
	return kvs[0].Key, parseGroup(kvs[0].Key, kvs[0].Value), nil
}

// last is the <nanos> of the archive's last message, 0 for an empty one.
func (a archive) last(ctx context.Context) (int64, error) {
	kvs, err := a.st.Scan(ctx, msgPrefix, "", 1, true)
	if err != nil {
		return 0, fmt.Errorf("reading the last archived message: %w", err)
	}
	if len(kvs) == 0 {
		return 0, nil
	}
	e, _ := parseMsgKey(kvs[0].Key)
	return e.nanos, nil
}

// removeOps are the writes that delete the messages es of one archive
// with their index records, for one store batch.
func (a archive) removeOps(ctx context.Context, owner string, es []entry) ([]sdk.StoreOp, error) {
	var ops []sdk.StoreOp
	type group struct {
		key     string
		entries []entry
		dropped map[string]bool
	}
	var groups []*group // the records touched, each read once
	find := func(e entry) (*group, error) {
		for _, g := range groups {
			for _, ge := range g.entries {
				if ge == e {
					return g, nil
				}
			}
		}
		key, entries, err := a.groupAt(ctx, e)
		if err != nil || key == "" {
			return nil, err
		}
		for _, g := range groups {
			if g.key == key {
				return nil, nil // read already, and e is not in it
			}
		}
		g := &group{key: key, entries: entries, dropped: map[string]bool{}}
		groups = append(groups, g)
		return g, nil
	}
	for _, e := range es {
		if !e.indexedByTime() {
			ops = append(ops, sdk.StoreOp{Owner: owner, Key: e.idKey(), Delete: true})
		}
		ops = append(ops, sdk.StoreOp{Owner: owner, Key: e.msgKey(), Delete: true})
		g, err := find(e)
		if err != nil {
			return nil, err
		}
		if g != nil {
			g.dropped[e.id] = true
		}
	}
	for _, g := range groups {
		var left []entry
		for _, e := range g.entries {
			if !g.dropped[e.id] {
				left = append(left, e)
			}
		}
		switch {
		case len(left) == 0:
			ops = append(ops, sdk.StoreOp{Owner: owner, Key: g.key, Delete: true})
		case left[0].withKey() != g.key: // the group now starts later
			ops = append(ops,
				sdk.StoreOp{Owner: owner, Key: g.key, Delete: true},
				sdk.StoreOp{Owner: owner, Key: left[0].withKey(), Value: groupValue(left)})
		default:
			ops = append(ops, sdk.StoreOp{Owner: owner, Key: g.key, Value: groupValue(left)})
		}
	}
	return ops, nil
}
