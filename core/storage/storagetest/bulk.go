package storagetest

import (
	"maps"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// RunBulk exercises storage.Bulk, what `switchboard storage copy` uses.
// open must return a new, empty store on each call.
func RunBulk(t *testing.T, open func(t *testing.T) storage.Bulk) {
	ctx := withTimeout(t)
	s := open(t)
	for _, a := range []storage.Account{Account("b.example", "zed"), Account("a.example", "bob"), Account("a.example", "alice")} {
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	err := s.EachAccount(ctx, func(a storage.Account) error {
		if want := Account(a.Domain, a.Username); !equalAccounts(a, want) {
			t.Errorf("EachAccount gave %+v, want %+v", a, want)
		}
		listed = append(listed, storage.Owner(a.Domain, a.Username))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice@a.example", "bob@a.example", "zed@b.example"}; !equalStrings(listed, want) {
		t.Errorf("EachAccount listed %q, want %q", listed, want)
	}

	replaced := Account("a.example", "alice")
	replaced.Credentials.SHA256.StoredKey = []byte("replaced")
	replaced.Created = replaced.Created.Add(-48 * 3600e9)
	if err := s.PutAccount(ctx, replaced); err != nil {
		t.Fatalf("PutAccount over an account: %v", err)
	}
	if err := s.PutAccount(ctx, Account("c.example", "new")); err != nil {
		t.Fatalf("PutAccount of a new account: %v", err)
	}
	if got, err := s.Account(ctx, "a.example", "alice"); err != nil || !equalAccounts(got, replaced) {
		t.Errorf("after PutAccount: %+v, %v; want %+v", got, err, replaced)
	}

	if err := s.Put(ctx, "roster", "bob@a.example", "item/x", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Batch(ctx, "mam", []storage.Op{
		{Owner: "alice@a.example", Key: "m/2", Value: []byte{}},
		{Owner: "alice@a.example", Key: "m/1\x00\xff", Value: []byte("v")},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "mam", "", "owner/alice@a.example", []byte("s")); err != nil {
		t.Fatal(err)
	}
	type row struct{ ns, owner, key, value string }
	var rows []row
	err = s.EachKV(ctx, func(ns string, op storage.Op) error {
		rows = append(rows, row{ns, op.Owner, op.Key, string(op.Value)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"mam", "", "owner/alice@a.example", "s"},
		{"mam", "alice@a.example", "m/1\x00\xff", "v"},
		{"mam", "alice@a.example", "m/2", ""},
		{"roster", "bob@a.example", "item/x", "1"},
	}
	if len(rows) != len(want) {
		t.Fatalf("EachKV gave %q, want %q", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("EachKV row %d = %q, want %q", i, rows[i], want[i])
		}
	}

	c, err := s.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if wantKV := map[string]int64{"mam": 3, "roster": 1}; c.Accounts != 4 || !maps.Equal(c.KV, wantKV) {
		t.Errorf("Count = %+v, want 4 accounts and %v", c, wantKV)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
