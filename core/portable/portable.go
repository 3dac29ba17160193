// Package portable reads and writes user data in the format of XEP-0227
// (Portable Import/Export Format for XMPP-IM Servers), so that accounts
// move between Switchboard, Prosody and ejabberd:
//
//	<server-data xmlns='urn:xmpp:pie:0'>
//	  <host jid='example.org'>
//	    <user name='alice' createdTimestamp='…'>
//	      <scram-credentials xmlns='urn:xmpp:pie:0#scram' mechanism='SCRAM-SHA-1'>…</scram-credentials>
//	      <query xmlns='jabber:iq:roster'>…</query>
//	      <vCard xmlns='vcard-temp'>…</vCard>
//	      …
//
// The package owns the file and the accounts (their SCRAM keys move as
// they are, no password is reset). Everything else in <user/> belongs to
// the plugins: each built-in plugin that keeps data for an account
// implements sdk.Portable for the elements of its protocol, and is handed
// its own store, so the core never learns a plugin's key scheme.
package portable

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces of XEP-0227.
const (
	NS      = "urn:xmpp:pie:0"
	NSSCRAM = "urn:xmpp:pie:0#scram"
)

// Plugin is a plugin that moves its data with the accounts, under the name
// that scopes its store (its name in the configuration).
type Plugin struct {
	Name string
	sdk.Portable
}

// Progress is told how many accounts of how many are done.
type Progress func(done, total int64)

// pluginStore is a plugin's store for one owner, as the plugin sees it
// when it runs.
type pluginStore struct {
	store     storage.Store
	ns, owner string
}

func (s pluginStore) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := s.store.Get(ctx, s.ns, s.owner, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%s: %w", key, sdk.ErrNotFound)
	}
	return b, err
}

func (s pluginStore) Put(ctx context.Context, key string, value []byte) error {
	return s.store.Put(ctx, s.ns, s.owner, key, value)
}

func (s pluginStore) Delete(ctx context.Context, key string) error {
	return s.store.Delete(ctx, s.ns, s.owner, key)
}

func (s pluginStore) Scan(ctx context.Context, prefix, after string, limit int, reverse bool) ([]sdk.KV, error) {
	kvs, err := s.store.Scan(ctx, s.ns, s.owner, prefix, after, limit, reverse)
	if err != nil {
		return nil, err
	}
	out := make([]sdk.KV, len(kvs))
	for i, kv := range kvs {
		out[i] = sdk.KV{Key: kv.Key, Value: kv.Value}
	}
	return out, nil
}

// memoryStore is a plugin's store for a dry run: the plugin's own import
// runs, and what it writes is thrown away.
type memoryStore struct {
	mu sync.Mutex
	kv map[string][]byte
}

func (m *memoryStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.kv[key]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("%s: %w", key, sdk.ErrNotFound)
}

func (m *memoryStore) Put(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kv == nil {
		m.kv = map[string][]byte{}
	}
	m.kv[key] = value
	return nil
}

func (m *memoryStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.kv, key)
	return nil
}

func (m *memoryStore) Scan(_ context.Context, prefix, after string, limit int, reverse bool) ([]sdk.KV, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.kv {
		if strings.HasPrefix(k, prefix) && (after == "" || !reverse && k > after || reverse && k < after) {
			keys = append(keys, k)
		}
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
		out[i] = sdk.KV{Key: k, Value: m.kv[k]}
	}
	return out, nil
}
