package sdktest

import (
	"context"
	"errors"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// The storage and account calls of the Host service, over the in-memory
// stores that the test inspects through Harness.Store and Accounts.

func (f *fakeHost) store(owner string) *memStore {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stores[owner]
	if s == nil {
		s = &memStore{data: map[string][]byte{}}
		f.stores[owner] = s
	}
	return s
}

func (f *fakeHost) StoreGet(ctx context.Context, req *pluginv1.StoreKey) (*pluginv1.StoreValue, error) {
	v, err := f.store(req.GetOwner()).Get(ctx, req.GetKey())
	if errors.Is(err, sdk.ErrNotFound) {
		return &pluginv1.StoreValue{}, nil
	}
	return &pluginv1.StoreValue{Value: v, Found: true}, nil
}

// StoreBatch applies the ops in order; the in-memory store has no
// failures to roll back.
func (f *fakeHost) StoreBatch(ctx context.Context, req *pluginv1.StoreBatchRequest) (*pluginv1.StoreBatchResponse, error) {
	for _, op := range req.GetOps() {
		var err error
		if op.GetDelete() {
			err = f.store(op.GetOwner()).Delete(ctx, op.GetKey())
		} else {
			err = f.store(op.GetOwner()).Put(ctx, op.GetKey(), op.GetValue())
		}
		if err != nil {
			return nil, err
		}
	}
	return &pluginv1.StoreBatchResponse{}, nil
}

func (f *fakeHost) StorePut(ctx context.Context, req *pluginv1.StorePutRequest) (*pluginv1.StorePutResponse, error) {
	return &pluginv1.StorePutResponse{}, f.store(req.GetOwner()).Put(ctx, req.GetKey(), req.GetValue())
}

func (f *fakeHost) StoreDelete(ctx context.Context, req *pluginv1.StoreKey) (*pluginv1.StoreDeleteResponse, error) {
	return &pluginv1.StoreDeleteResponse{}, f.store(req.GetOwner()).Delete(ctx, req.GetKey())
}

func (f *fakeHost) StoreScan(ctx context.Context, req *pluginv1.StoreScanRequest) (*pluginv1.StoreScanResponse, error) {
	kvs, err := f.store(req.GetOwner()).Scan(ctx, req.GetPrefix(), req.GetAfter(), int(req.GetLimit()), req.GetReverse())
	if err != nil {
		return nil, err
	}
	resp := &pluginv1.StoreScanResponse{}
	for _, kv := range kvs {
		resp.Items = append(resp.Items, &pluginv1.KeyValue{Key: kv.Key, Value: kv.Value})
	}
	return resp, nil
}

func (f *fakeHost) AccountExists(ctx context.Context, req *pluginv1.AccountRequest) (*pluginv1.AccountExistsResponse, error) {
	ok, err := f.accounts.Exists(ctx, f.accountKey(req.GetDomain(), req.GetUsername()))
	return &pluginv1.AccountExistsResponse{Exists: ok}, err
}

func (f *fakeHost) AccountCreate(ctx context.Context, req *pluginv1.AccountPasswordRequest) (*pluginv1.AccountResponse, error) {
	if err := f.accounts.Create(ctx, f.accountKey(req.GetDomain(), req.GetUsername()), req.GetPassword()); err != nil {
		return nil, errorStatus(err)
	}
	return &pluginv1.AccountResponse{}, nil
}

func (f *fakeHost) AccountDelete(ctx context.Context, req *pluginv1.AccountRequest) (*pluginv1.AccountResponse, error) {
	if err := f.accounts.Delete(ctx, f.accountKey(req.GetDomain(), req.GetUsername())); err != nil {
		return nil, errorStatus(err)
	}
	return &pluginv1.AccountResponse{}, nil
}

func (f *fakeHost) AccountSetPassword(ctx context.Context, req *pluginv1.AccountPasswordRequest) (*pluginv1.AccountResponse, error) {
	if err := f.accounts.SetPassword(ctx, f.accountKey(req.GetDomain(), req.GetUsername()), req.GetPassword()); err != nil {
		return nil, errorStatus(err)
	}
	return &pluginv1.AccountResponse{}, nil
}

// accountKey names an account in the fake's one table: by username in the
// primary domain, as Harness.Accounts shows them, and as user@domain in
// the other hosted domains (a username has no '@').
func (f *fakeHost) accountKey(domain, username string) string {
	if domain == "" || domain == f.domain {
		return username
	}
	return username + "@" + domain
}
