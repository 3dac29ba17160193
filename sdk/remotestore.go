package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

type remoteStore struct {
	client pluginv1.HostClient
	owner  string
}

func (s *remoteStore) Get(ctx context.Context, key string) ([]byte, error) {
	resp, err := s.client.StoreGet(ctx, &pluginv1.StoreKey{Owner: s.owner, Key: key})
	if err != nil {
		return nil, hostErr(fmt.Sprintf("reading %q of %q", key, s.owner), err)
	}
	if !resp.GetFound() {
		return nil, fmt.Errorf("reading %q of %q: %w", key, s.owner, ErrNotFound)
	}
	return resp.GetValue(), nil
}

func (s *remoteStore) Put(ctx context.Context, key string, value []byte) error {
	_, err := s.client.StorePut(ctx, &pluginv1.StorePutRequest{Owner: s.owner, Key: key, Value: value})
	return hostErr(fmt.Sprintf("writing %q of %q", key, s.owner), err)
}

func (s *remoteStore) Delete(ctx context.Context, key string) error {
	_, err := s.client.StoreDelete(ctx, &pluginv1.StoreKey{Owner: s.owner, Key: key})
	return hostErr(fmt.Sprintf("deleting %q of %q", key, s.owner), err)
}

func (s *remoteStore) Scan(ctx context.Context, prefix, after string, limit int, reverse bool) ([]KV, error) {
	resp, err := s.client.StoreScan(ctx, &pluginv1.StoreScanRequest{
		Owner: s.owner, Prefix: prefix, After: after, Limit: int32(min(limit, 1<<31-1)), Reverse: reverse,
	})
	if err != nil {
		return nil, hostErr(fmt.Sprintf("scanning %q of %q", prefix, s.owner), err)
	}
	out := make([]KV, len(resp.GetItems()))
	for i, kv := range resp.GetItems() {
		out[i] = KV{Key: kv.GetKey(), Value: kv.GetValue()}
	}
	return out, nil
}

type remoteAccounts struct {
	client pluginv1.HostClient
	domain string // "" for the server's
}

func (a remoteAccounts) Exists(ctx context.Context, username string) (bool, error) {
	resp, err := a.client.AccountExists(ctx, &pluginv1.AccountRequest{Username: username, Domain: a.domain})
	if err != nil {
		return false, hostErr("looking up account "+username, err)
	}
	return resp.GetExists(), nil
}

func (a remoteAccounts) Create(ctx context.Context, username, password string) error {
	_, err := a.client.AccountCreate(ctx, &pluginv1.AccountPasswordRequest{Username: username, Password: password, Domain: a.domain})
	return hostErr("creating account "+username, err)
}

func (a remoteAccounts) Delete(ctx context.Context, username string) error {
	_, err := a.client.AccountDelete(ctx, &pluginv1.AccountRequest{Username: username, Domain: a.domain})
	return hostErr("deleting account "+username, err)
}

func (a remoteAccounts) List(ctx context.Context) ([]string, error) {
	chunks, err := a.client.AccountList(ctx, &pluginv1.AccountListRequest{Domain: a.domain})
	if err != nil {
		return nil, hostErr("listing accounts", err)
	}
	var out []string
	for {
		resp, err := chunks.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, hostErr("listing accounts", err)
		}
		out = append(out, resp.GetUsernames()...)
	}
}

func (a remoteAccounts) SetPassword(ctx context.Context, username, password string) error {
	_, err := a.client.AccountSetPassword(ctx, &pluginv1.AccountPasswordRequest{Username: username, Password: password, Domain: a.domain})
	return hostErr("changing the password of "+username, err)
}
