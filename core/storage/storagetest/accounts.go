package storagetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

func testAccounts(t *testing.T, open func(t *testing.T) storage.Store) {
	ctx := t.Context()
	s := open(t)

	alice := Account("localhost", "alice")
	if err := s.CreateAccount(ctx, alice); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	got, err := s.Account(ctx, "localhost", "alice")
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if !equalAccounts(got, alice) {
		t.Errorf("Account = %+v, want %+v", got, alice)
	}

	// The error names the account: the log line that carries it is
	// all an operator sees.
	if err := s.CreateAccount(ctx, alice); !errors.Is(err, storage.ErrExists) || !strings.Contains(err.Error(), "alice@localhost") {
		t.Errorf("CreateAccount twice: err = %v, want ErrExists naming the account", err)
	}
	if _, err := s.Account(ctx, "localhost", "bob"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Account of missing user: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Account(ctx, "example.org", "alice"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Account in other domain: err = %v, want ErrNotFound", err)
	}

	creds := Account("localhost", "changed").Credentials
	if err := s.SetCredentials(ctx, "localhost", "alice", creds); err != nil {
		t.Fatalf("SetCredentials: %v", err)
	}
	got, err = s.Account(ctx, "localhost", "alice")
	if err != nil {
		t.Fatalf("Account after SetCredentials: %v", err)
	}
	if !equalKeys(got.Credentials.SHA1, creds.SHA1) || !equalKeys(got.Credentials.SHA256, creds.SHA256) {
		t.Errorf("credentials after SetCredentials = %+v, want %+v", got.Credentials, creds)
	}
	if !got.Created.Equal(alice.Created) {
		t.Errorf("SetCredentials changed Created to %v", got.Created)
	}
	if err := s.SetCredentials(ctx, "localhost", "bob", creds); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("SetCredentials of missing user: err = %v, want ErrNotFound", err)
	}

	for _, a := range []storage.Account{
		Account("localhost", "carol"), Account("localhost", "Bob"),
		Account("localhost", "bob"), Account("example.org", "dave"),
	} {
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatalf("CreateAccount(%s): %v", a.Username, err)
		}
	}
	listTests := []struct {
		domain string
		want   []string
	}{
		{"localhost", []string{"Bob", "alice", "bob", "carol"}},
		{"example.org", []string{"dave"}},
		{"nowhere.example", nil},
	}
	for _, tt := range listTests {
		names, err := s.Accounts(ctx, tt.domain)
		if err != nil {
			t.Fatalf("Accounts(%s): %v", tt.domain, err)
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("Accounts(%s) = %q, want %q", tt.domain, names, tt.want)
		}
	}
}

func testDeleteAccount(t *testing.T, open func(t *testing.T) storage.Store) {
	ctx := t.Context()
	s := open(t)
	for _, a := range []storage.Account{
		Account("localhost", "alice"), Account("localhost", "bob"), Account("example.org", "alice"),
	} {
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
	}
	rows := []struct{ ns, owner, key string }{
		{"roster", "alice@localhost", "item/bob@localhost"},
		{"roster", "alice@localhost", "version"},
		{"private", "alice@localhost", "storage:bookmarks"},
		{"roster", "bob@localhost", "item/alice@localhost"},
		{"roster", "alice@example.org", "version"},
		{"roster", "", "alice@localhost"},
		{"offline", "alice@localhost.example", "1"},
	}
	for _, r := range rows {
		if err := s.Put(ctx, r.ns, r.owner, r.key, []byte("v")); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}

	if err := s.DeleteAccount(ctx, "localhost", "alice"); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	if _, err := s.Account(ctx, "localhost", "alice"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Account after delete: err = %v, want ErrNotFound", err)
	}
	for _, r := range rows {
		_, err := s.Get(ctx, r.ns, r.owner, r.key)
		gone := r.owner == "alice@localhost"
		switch {
		case gone && !errors.Is(err, storage.ErrNotFound):
			t.Errorf("Get(%s, %s, %s) after deleting its owner: err = %v, want ErrNotFound", r.ns, r.owner, r.key, err)
		case !gone && err != nil:
			t.Errorf("Get(%s, %s, %s) of another owner: %v", r.ns, r.owner, r.key, err)
		}
	}
	if err := s.DeleteAccount(ctx, "localhost", "alice"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteAccount twice: err = %v, want ErrNotFound", err)
	}
	names, err := s.Accounts(ctx, "localhost")
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	if !slices.Equal(names, []string{"bob"}) {
		t.Errorf("Accounts after delete = %q, want [bob]", names)
	}
}
