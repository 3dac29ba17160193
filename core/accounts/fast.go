package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// nsFAST is the core's key/value namespace for XEP-0484 FAST tokens. Like
// nsLogins its rows are owned by the account's bare JID, so deleting the
// account deletes them, and storage copy and backup carry them; no plugin
// can reach it.
const nsFAST = "core:fast"

// tokenBytes is the randomness of a token. Its base64 text must be longer
// than SHA-256's block, so that the stored SHA-256 of a token keys the same
// HMAC as the token itself (sasl.TokenKey).
const tokenBytes = 60

// fastRecord is the token of one user agent. Keys are SHA-256 of tokens.
// Previous is the token the current one replaced by rotation, kept until
// the current one is used or the previous expires: the client may never
// have received the new one.
type fastRecord struct {
	Mechanism       string `json:"mechanism"`
	Current         []byte `json:"current"`
	Expires         int64  `json:"expires"` // unix seconds
	Previous        []byte `json:"previous,omitempty"`
	PreviousExpires int64  `json:"previous_expires,omitempty"`
	Count           uint64 `json:"count,omitempty"` // highest XEP-0484 count seen
}

// FASTTokens keeps the FAST tokens of one domain's accounts.
type FASTTokens struct {
	store  storage.Store
	domain string
	ttl    time.Duration
	max    int
}

// FASTTokens returns the token keeper of domain: tokens live for ttl, and
// an account keeps tokens for at most perAccount user agents (the one
// expiring first makes room).
func (s *Service) FASTTokens(domain string, ttl time.Duration, perAccount int) *FASTTokens {
	return &FASTTokens{store: s.store, domain: domain, ttl: ttl, max: perAccount}
}

// agentKey names a user agent's row; the client's id is hashed so that
// its length and characters do not matter.
func agentKey(userAgent string) string {
	sum := sha256.Sum256([]byte(userAgent))
	return "ua:" + hex.EncodeToString(sum[:])
}

func (t *FASTTokens) read(ctx context.Context, owner, userAgent string) (*fastRecord, error) {
	v, err := t.store.Get(ctx, nsFAST, owner, agentKey(userAgent))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the FAST token of %s: %w", owner, err)
	}
	var r fastRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("reading the FAST token of %s: %w", owner, err)
	}
	return &r, nil
}

func (t *FASTTokens) write(ctx context.Context, owner, userAgent string, r *fastRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := t.store.Put(ctx, nsFAST, owner, agentKey(userAgent), v); err != nil {
		return fmt.Errorf("storing the FAST token of %s: %w", owner, err)
	}
	return nil
}

// Keys returns the keys of the unexpired tokens username may present from
// userAgent with mechanism. A count (XEP-0484 replay protection; 0 for
// none) not above the last one accepted matches nothing.
func (t *FASTTokens) Keys(ctx context.Context, username, userAgent, mechanism string, count uint64) ([][]byte, error) {
	r, err := t.read(ctx, storage.Owner(t.domain, username), userAgent)
	if err != nil || r == nil || r.Mechanism != mechanism {
		return nil, err
	}
	if count != 0 && count <= r.Count {
		return nil, nil
	}
	now := time.Now().Unix()
	var keys [][]byte
	if r.Expires > now {
		keys = append(keys, r.Current)
	}
	if r.Previous != nil && r.PreviousExpires > now {
		keys = append(keys, r.Previous)
	}
	return keys, nil
}

// Used records a login with the token of key: the token it rotated from
// is no longer needed once the new one is used, and count is the new
// floor. It returns when the token expires.
func (t *FASTTokens) Used(ctx context.Context, username, userAgent string, key []byte, count uint64) (time.Time, error) {
	owner := storage.Owner(t.domain, username)
	r, err := t.read(ctx, owner, userAgent)
	if err != nil || r == nil {
		return time.Time{}, err
	}
	expires := r.PreviousExpires
	if bytes.Equal(key, r.Current) {
		r.Previous, r.PreviousExpires = nil, 0
		expires = r.Expires
	}
	r.Count = max(r.Count, count)
	return time.Unix(expires, 0), t.write(ctx, owner, userAgent, r)
}

// Issue makes a new token for userAgent with mechanism, replacing the one
// it had. rotated is the key the client logged in with if it used a
// token: that token stays valid until the new one is used.
func (t *FASTTokens) Issue(ctx context.Context, username, userAgent, mechanism string, rotated []byte) (token string, expires time.Time, err error) {
	owner := storage.Owner(t.domain, username)
	old, err := t.read(ctx, owner, userAgent)
	if err != nil {
		return "", time.Time{}, err
	}
	if old == nil {
		if err := t.makeRoom(ctx, owner); err != nil {
			return "", time.Time{}, err
		}
	}
	raw := make([]byte, tokenBytes)
	rand.Read(raw)
	token = base64.RawURLEncoding.EncodeToString(raw)
	expires = time.Now().Add(t.ttl).Truncate(time.Second)
	r := &fastRecord{Mechanism: mechanism, Current: sasl.TokenKey(token), Expires: expires.Unix()}
	if old != nil {
		r.Count = old.Count
		switch {
		case rotated != nil && bytes.Equal(rotated, old.Current) && old.Mechanism == mechanism:
			r.Previous, r.PreviousExpires = old.Current, old.Expires
		case rotated != nil && bytes.Equal(rotated, old.Previous) && old.Mechanism == mechanism:
			r.Previous, r.PreviousExpires = old.Previous, old.PreviousExpires
		}
	}
	return token, expires, t.write(ctx, owner, userAgent, r)
}

// makeRoom drops the token expiring first when the account holds tokens
// for as many user agents as allowed.
func (t *FASTTokens) makeRoom(ctx context.Context, owner string) error {
	if t.max <= 0 {
		return nil
	}
	rows, err := t.store.Scan(ctx, nsFAST, owner, "ua:", "", 0, false)
	if err != nil {
		return fmt.Errorf("listing the FAST tokens of %s: %w", owner, err)
	}
	var drop []storage.Op
	for len(rows)-len(drop) >= t.max {
		first, at := "", int64(0)
		for _, kv := range rows {
			var r fastRecord
			if json.Unmarshal(kv.Value, &r) != nil {
				r.Expires = 0 // unreadable: the first to go
			}
			if !dropped(drop, kv.Key) && (first == "" || r.Expires < at) {
				first, at = kv.Key, r.Expires
			}
		}
		drop = append(drop, storage.Op{Owner: owner, Key: first, Delete: true})
	}
	if len(drop) == 0 {
		return nil
	}
	if err := t.store.Batch(ctx, nsFAST, drop); err != nil {
		return fmt.Errorf("dropping the oldest FAST token of %s: %w", owner, err)
	}
	return nil
}

func dropped(ops []storage.Op, key string) bool {
	for _, op := range ops {
		if op.Key == key {
			return true
		}
	}
	return false
}

// Revoke forgets the token of userAgent.
func (t *FASTTokens) Revoke(ctx context.Context, username, userAgent string) error {
	owner := storage.Owner(t.domain, username)
	if err := t.store.Delete(ctx, nsFAST, owner, agentKey(userAgent)); err != nil {
		return fmt.Errorf("revoking a FAST token of %s: %w", owner, err)
	}
	return nil
}

// revokeAll forgets every FAST token of an account: a new password must
// lock out whoever held the old one, and a token obtained with it.
func (s *Service) revokeAll(ctx context.Context, owner string) error {
	rows, err := s.store.Scan(ctx, nsFAST, owner, "", "", 0, false)
	if err != nil {
		return fmt.Errorf("listing the FAST tokens of %s: %w", owner, err)
	}
	if len(rows) == 0 {
		return nil
	}
	ops := make([]storage.Op, len(rows))
	for i, kv := range rows {
		ops[i] = storage.Op{Owner: owner, Key: kv.Key, Delete: true}
	}
	if err := s.store.Batch(ctx, nsFAST, ops); err != nil {
		return fmt.Errorf("revoking the FAST tokens of %s: %w", owner, err)
	}
	return nil
}
