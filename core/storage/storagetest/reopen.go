package storagetest

import (
	"bytes"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// Reopen checks that what a store holds survives closing it: open must
// return a store on the same database each time it is called, the first
// time an empty one.
func Reopen(t *testing.T, open func() (storage.Store, error)) {
	ctx := withTimeout(t)
	s, err := open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	alice := Account("localhost", "alice")
	if err := s.CreateAccount(ctx, alice); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if err := s.Put(ctx, "private", "alice@localhost", "k", []byte("v")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = open()
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer s.Close()
	got, err := s.Account(ctx, "localhost", "alice")
	if err != nil {
		t.Fatalf("Account after reopen: %v", err)
	}
	if !equalAccounts(got, alice) || !bytes.Equal(got.Credentials.SHA256.StoredKey, alice.Credentials.SHA256.StoredKey) {
		t.Errorf("Account after reopen = %+v, want %+v", got, alice)
	}
	if v, err := s.Get(ctx, "private", "alice@localhost", "k"); err != nil || string(v) != "v" {
		t.Errorf("Get after reopen = %q, %v; want \"v\"", v, err)
	}
}
