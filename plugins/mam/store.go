package mam

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme. In the store of each account (owner: its bare JID):
//
//	m/<nanos>/<with>/<id>   the message, serialized as the core gave it
//	w/<with>/<nanos>/<id>   empty: the message in the index by peer
//	i/<id>                  "<nanos>/<with>": where the message with
//	                        stanza-id <id> is
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
// A query without 'with' is a range scan of m/, whose values are the
// messages: one Scan per page. A query with 'with' scans
// w/<with>/ for the keys, which name the m/ key of each message, and
// reads the messages with one Get each. RSM ids and before-id/after-id
// become positions in either range through i/<id>: one Get each.
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
	return []sdk.StoreOp{
		{Owner: owner, Key: e.idKey(), Value: e.idValue()},
		{Owner: owner, Key: e.withKey(), Value: []byte{}},
		{Owner: owner, Key: e.msgKey(), Value: stanza},
	}
}

// remove deletes a message and its indexes, the message last: a cleanup
// cut short finds the message again next time.
func (a archive) remove(ctx context.Context, e entry) error {
	for _, k := range []string{e.idKey(), e.withKey(), e.msgKey()} {
		if err := a.st.Delete(ctx, k); err != nil {
			return fmt.Errorf("deleting archived message %s: %w", e.id, err)
		}
	}
	return nil
}
