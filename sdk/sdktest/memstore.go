package sdktest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// memStore is one owner's storage. Scans sort keys on every call: test
// data is small, and sorting keeps the map the only state.
type memStore struct {
	mu   sync.Mutex
	data map[string][]byte
}

func (s *memStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	if !ok {
		return nil, fmt.Errorf("reading %q: %w", key, sdk.ErrNotFound)
	}
	return slices.Clone(v), nil
}

func (s *memStore) Put(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = slices.Clone(value)
	return nil
}

func (s *memStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, key)
	return nil
}

func (s *memStore) Scan(_ context.Context, prefix, after string, limit int, reverse bool) ([]sdk.KV, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.data {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if after != "" && ((!reverse && k <= after) || (reverse && k >= after)) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if reverse {
		slices.Reverse(keys)
	}
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	out := make([]sdk.KV, len(keys))
	for i, k := range keys {
		out[i] = sdk.KV{Key: k, Value: slices.Clone(s.data[k])}
	}
	return out, nil
}

// memAccounts answers as the core does: conflict for an existing account,
// item-not-found for a missing one.
type memAccounts struct {
	mu        sync.Mutex
	passwords map[string]string
}

// List returns the usernames in byte order.
func (a *memAccounts) List(context.Context) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	names := make([]string, 0, len(a.passwords))
	for n := range a.passwords {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func (a *memAccounts) Exists(_ context.Context, username string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.passwords[username]
	return ok, nil
}

func (a *memAccounts) Create(_ context.Context, username, password string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.passwords[username]; ok {
		return stanza.Errorf(stanza.Conflict, "the account already exists")
	}
	a.passwords[username] = password
	return nil
}

func (a *memAccounts) Delete(_ context.Context, username string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.passwords[username]; !ok {
		return stanza.Errorf(stanza.ItemNotFound, "no such account")
	}
	delete(a.passwords, username)
	return nil
}

func (a *memAccounts) SetPassword(_ context.Context, username, password string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.passwords[username]; !ok {
		return stanza.Errorf(stanza.ItemNotFound, "no such account")
	}
	a.passwords[username] = password
	return nil
}
