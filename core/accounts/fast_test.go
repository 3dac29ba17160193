package accounts

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/sasl"
)

const htNone = "HT-SHA-256-NONE"

func keysOf(t *testing.T, ft *FASTTokens, agent string, count uint64) [][]byte {
	t.Helper()
	keys, err := ft.Keys(context.Background(), "alice", agent, htNone, count)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func has(keys [][]byte, token string) bool {
	for _, k := range keys {
		if bytes.Equal(k, sasl.TokenKey(token)) {
			return true
		}
	}
	return false
}

func issue(t *testing.T, ft *FASTTokens, agent string, rotated []byte) string {
	t.Helper()
	tok, exp, err := ft.Issue(context.Background(), "alice", agent, htNone, rotated)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) <= 64 || time.Until(exp) <= 0 {
		t.Fatalf("token %q expiring %v: want more than 64 bytes, in the future", tok, exp)
	}
	return tok
}

// TestFASTTokenLifecycle: a token is kept as its hash; rotation keeps the
// old one until the new one is used; a token issued afresh for a user
// agent replaces its old one and leaves other agents' alone; a replayed
// count fails; a password change and the account's deletion revoke all.
func TestFASTTokenLifecycle(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	if err := s.Create(ctx, "localhost", "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	ft := s.FASTTokens("localhost", time.Hour, 16)
	first := issue(t, ft, "phone", nil)
	laptop := issue(t, ft, "laptop", nil)
	if !has(keysOf(t, ft, "phone", 0), first) || has(keysOf(t, ft, "phone", 0), laptop) {
		t.Fatal("each user agent has its own token")
	}
	if keys, _ := ft.Keys(ctx, "alice", "phone", "HT-SHA-256-EXPR", 0); len(keys) != 0 {
		t.Error("a token works with another mechanism than its own")
	}

	// Rotation: both work until the new one is used.
	second := issue(t, ft, "phone", sasl.TokenKey(first))
	if keys := keysOf(t, ft, "phone", 0); !has(keys, first) || !has(keys, second) {
		t.Fatal("after rotation both tokens should work until the new one is used")
	}
	if _, err := ft.Used(ctx, "alice", "phone", sasl.TokenKey(second), 5); err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(t, ft, "phone", 0); has(keys, first) || !has(keys, second) {
		t.Fatal("the rotated-from token still works after the new one was used")
	}
	if len(keysOf(t, ft, "phone", 5)) != 0 || len(keysOf(t, ft, "phone", 6)) != 1 {
		t.Error("a count not above the last one accepted must match nothing")
	}

	// A fresh token (a password login asking for one) replaces the old.
	third := issue(t, ft, "phone", nil)
	if keys := keysOf(t, ft, "phone", 0); has(keys, second) || !has(keys, third) {
		t.Fatal("a new token for a user agent must replace its old one")
	}
	if err := ft.Revoke(ctx, "alice", "laptop"); err != nil {
		t.Fatal(err)
	}
	if len(keysOf(t, ft, "laptop", 0)) != 0 || !has(keysOf(t, ft, "phone", 0), third) {
		t.Error("revoking one user agent's token")
	}

	if err := s.SetPassword(ctx, "localhost", "alice", "new"); err != nil {
		t.Fatal(err)
	}
	if len(keysOf(t, ft, "phone", 0)) != 0 {
		t.Error("a password change must revoke the tokens")
	}
	issue(t, ft, "phone", nil)
	if err := s.Delete(ctx, "localhost", "alice"); err != nil {
		t.Fatal(err)
	}
	if rows, err := s.store.Scan(ctx, nsFAST, "alice@localhost", "", "", 0, false); err != nil || len(rows) != 0 {
		t.Errorf("after deleting the account: %d token rows, %v", len(rows), err)
	}
}

// TestFASTTokenExpiry: an expired token matches nothing.
func TestFASTTokenExpiry(t *testing.T) {
	s := newService(t, 0)
	ft := s.FASTTokens("localhost", time.Hour, 16)
	tok := issue(t, ft, "phone", nil)
	ft.ttl = -time.Hour
	if _, _, err := ft.Issue(t.Context(), "alice", "tablet", htNone, nil); err != nil {
		t.Fatal(err)
	}
	if !has(keysOf(t, ft, "phone", 0), tok) || len(keysOf(t, ft, "tablet", 0)) != 0 {
		t.Error("an expired token must match nothing, a valid one must")
	}
}

// TestFASTTokensPerAccount: past the limit, a new user agent's token
// replaces the one expiring first.
func TestFASTTokensPerAccount(t *testing.T) {
	s := newService(t, 0)
	ft := s.FASTTokens("localhost", time.Hour, 2)
	a := issue(t, ft, "a", nil)
	ft.ttl = 2 * time.Hour
	issue(t, ft, "b", nil)
	ft.ttl = 3 * time.Hour
	issue(t, ft, "a", sasl.TokenKey(a)) // renewing a known agent drops nobody
	if len(keysOf(t, ft, "b", 0)) != 1 {
		t.Fatal("renewing a token made room it did not need")
	}
	issue(t, ft, "c", nil)
	if len(keysOf(t, ft, "b", 0)) != 0 || len(keysOf(t, ft, "a", 0)) == 0 || len(keysOf(t, ft, "c", 0)) != 1 {
		t.Error("the token expiring first (b's) should have made room for c's")
	}
}
