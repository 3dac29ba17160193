package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// Store times every operation of inner; with nil metrics it is inner.
func (m *Metrics) Store(inner storage.Store) storage.Store {
	if m == nil {
		return inner
	}
	return timedStore{inner: inner, m: m}
}

type timedStore struct {
	inner storage.Store
	m     *Metrics
}

func (s timedStore) CreateAccount(ctx context.Context, a storage.Account) error {
	start := time.Now()
	err := s.inner.CreateAccount(ctx, a)
	s.m.StoreOp("create_account", start, err)
	return err
}

func (s timedStore) Account(ctx context.Context, domain, username string) (storage.Account, error) {
	start := time.Now()
	a, err := s.inner.Account(ctx, domain, username)
	s.m.StoreOp("account", start, notFoundIsFine(err))
	return a, err
}

func (s timedStore) SetCredentials(ctx context.Context, domain, username string, c storage.Credentials) error {
	start := time.Now()
	err := s.inner.SetCredentials(ctx, domain, username, c)
	s.m.StoreOp("set_credentials", start, err)
	return err
}

func (s timedStore) DeleteAccount(ctx context.Context, domain, username string) error {
	start := time.Now()
	err := s.inner.DeleteAccount(ctx, domain, username)
	s.m.StoreOp("delete_account", start, notFoundIsFine(err))
	return err
}

func (s timedStore) Accounts(ctx context.Context, domain string) ([]string, error) {
	start := time.Now()
	names, err := s.inner.Accounts(ctx, domain)
	s.m.StoreOp("accounts", start, err)
	return names, err
}

func (s timedStore) Get(ctx context.Context, ns, owner, key string) ([]byte, error) {
	start := time.Now()
	v, err := s.inner.Get(ctx, ns, owner, key)
	s.m.StoreOp("get", start, notFoundIsFine(err))
	return v, err
}

func (s timedStore) Put(ctx context.Context, ns, owner, key string, value []byte) error {
	start := time.Now()
	err := s.inner.Put(ctx, ns, owner, key, value)
	s.m.StoreOp("put", start, err)
	return err
}

func (s timedStore) Batch(ctx context.Context, ns string, ops []storage.Op) error {
	start := time.Now()
	err := s.inner.Batch(ctx, ns, ops)
	s.m.StoreOp("batch", start, err)
	return err
}

func (s timedStore) Delete(ctx context.Context, ns, owner, key string) error {
	start := time.Now()
	err := s.inner.Delete(ctx, ns, owner, key)
	s.m.StoreOp("delete", start, err)
	return err
}

func (s timedStore) Scan(ctx context.Context, ns, owner, prefix, after string, limit int, reverse bool) ([]storage.KV, error) {
	start := time.Now()
	kvs, err := s.inner.Scan(ctx, ns, owner, prefix, after, limit, reverse)
	s.m.StoreOp("scan", start, err)
	return kvs, err
}

func (s timedStore) Close() error { return s.inner.Close() }

// notFoundIsFine: a lookup that finds nothing is an answer, not a failure
// of the store.
func notFoundIsFine(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}
