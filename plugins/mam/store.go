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
//	w/<with>/<nanos>/<id>   empty: the message in the index by peer
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
// an archive get the same <nanos> (see ownerCache.next), so the order of
// keys is the order in which the core routed the messages. <with> is the other
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
// A query without 'with' is a range scan of m/, whose values are the
// messages: one Scan per page. A query with 'with' scans
// w/<with>/ for the keys, which name the m/ key of each message, and
// reads the messages with one Get each. RSM ids and before-id/after-id
// become positions in either range through the id's time or i/<id>.
//
// A message is written i/, w/, then m/, and deleted in the opposite
// order, so that whatever a query finds in m/ can be found by id and by
// peer. The core deletes every key of an account with the account.
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

// parseWithKey reads a w/ key of the index by with.
func parseWithKey(key, with string) (entry, bool) {
	rest, ok := strings.CutPrefix(key, withIndex(with))
	if !ok {
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

// addOps are the writes that store a message with its indexes; they go
// in one batch, so a message is never found without its indexes.
func addOps(owner string, e entry, stanza []byte) []sdk.StoreOp {
	ops := make([]sdk.StoreOp, 0, 3)
	if !e.indexedByTime() {
		ops = append(ops, sdk.StoreOp{Owner: owner, Key: e.idKey(), Value: e.idValue()})
	}
	return append(ops,
		sdk.StoreOp{Owner: owner, Key: e.withKey(), Value: []byte{}},
		sdk.StoreOp{Owner: owner, Key: e.msgKey(), Value: stanza})
}

// remove deletes a message and its indexes, the message last: a cleanup
// cut short finds the message again next time.
func (a archive) remove(ctx context.Context, e entry) error {
	keys := []string{e.withKey(), e.msgKey()}
	if !e.indexedByTime() {
		keys = append([]string{e.idKey()}, keys...)
	}
	for _, k := range keys {
		if err := a.st.Delete(ctx, k); err != nil {
			return fmt.Errorf("deleting archived message %s: %w", e.id, err)
		}
	}
	return nil
}
