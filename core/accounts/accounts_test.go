package accounts

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/xdg-go/scram"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/sqlite"
)

func newService(t *testing.T, iterations int) *Service {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"), hclog.NewNullLogger())
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("closing store: %v", err)
		}
	})
	return New(st, iterations)
}

func TestCreateAndVerify(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	if err := s.Create(ctx, "localhost", "alice", "correct horse"); err != nil {
		t.Fatalf("Create: %v", err)
	}
	tests := []struct {
		domain, username, password string
		want                       bool
	}{
		{"localhost", "alice", "correct horse", true},
		{"localhost", "alice", "Correct horse", false},
		{"localhost", "alice", "", false},
		{"localhost", "bob", "correct horse", false},
		{"example.org", "alice", "correct horse", false},
	}
	for _, tt := range tests {
		got, err := s.VerifyPlain(ctx, tt.domain, tt.username, tt.password)
		if err != nil || got != tt.want {
			t.Errorf("VerifyPlain(%s, %s, %q) = %v, %v; want %v", tt.domain, tt.username, tt.password, got, err, tt.want)
		}
	}

	if err := s.Create(ctx, "localhost", "alice", "other"); !errors.Is(err, storage.ErrExists) {
		t.Errorf("Create of existing account: err = %v, want ErrExists", err)
	}
	if ok, err := s.VerifyPlain(ctx, "localhost", "alice", "correct horse"); !ok || err != nil {
		t.Errorf("failed duplicate Create changed the password: VerifyPlain = %v, %v", ok, err)
	}
}

func TestCreateRejects(t *testing.T) {
	s := newService(t, 0)
	tests := []struct {
		username, password string
		want               error
	}{
		{"alice", "", ErrBadPassword},
		{"alice", "bell\x07", ErrBadPassword},
		{"", "secret", ErrBadUsername},
		{"Alice", "secret", ErrBadUsername},
		{"al ice", "secret", ErrBadUsername},
		{"alice@localhost", "secret", ErrBadUsername},
		{"a/b", "secret", ErrBadUsername},
	}
	for _, tt := range tests {
		err := s.Create(t.Context(), "localhost", tt.username, tt.password)
		if !errors.Is(err, tt.want) {
			t.Errorf("Create(%q, %q): err = %v, want %v", tt.username, tt.password, err, tt.want)
		}
	}
	names, err := s.List(t.Context(), "localhost")
	if err != nil || len(names) != 0 {
		t.Errorf("rejected Creates left accounts: %q, %v", names, err)
	}
}

// TestPasswordPreparation checks that passwords equal under PRECIS
// OpaqueString are the same password, as they are for SCRAM clients.
func TestPasswordPreparation(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	if err := s.Create(ctx, "localhost", "alice", "cafe\u0301\u00a0au lait"); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for _, pw := range []string{"café au lait", "cafe\u0301 au lait"} {
		if ok, err := s.VerifyPlain(ctx, "localhost", "alice", pw); !ok || err != nil {
			t.Errorf("VerifyPlain(%q) = %v, %v; want true", pw, ok, err)
		}
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		iterations, want int
	}{
		{0, 4096},
		{1000, 4096},
		{4096, 4096},
		{10000, 10000},
	}
	for _, tt := range tests {
		ctx := t.Context()
		s := newService(t, tt.iterations)
		for _, u := range []string{"alice", "bob"} {
			if err := s.Create(ctx, "localhost", u, "pencil"); err != nil {
				t.Fatalf("Create: %v", err)
			}
		}
		alice, err := s.Credentials(ctx, "localhost", "alice")
		if err != nil {
			t.Fatalf("Credentials: %v", err)
		}
		bob, err := s.Credentials(ctx, "localhost", "bob")
		if err != nil {
			t.Fatalf("Credentials: %v", err)
		}
		for _, k := range []storage.SCRAMKeys{alice.SHA1, alice.SHA256} {
			if k.Iterations != tt.want {
				t.Errorf("New(%d): iterations = %d, want %d", tt.iterations, k.Iterations, tt.want)
			}
			if len(k.Salt) < 16 {
				t.Errorf("salt is %d bytes, want at least 16", len(k.Salt))
			}
		}
		if bytes.Equal(alice.SHA1.Salt, alice.SHA256.Salt) || bytes.Equal(alice.SHA256.Salt, bob.SHA256.Salt) ||
			bytes.Equal(alice.SHA256.StoredKey, bob.SHA256.StoredKey) {
			t.Error("salts are reused: same password gives same keys")
		}
		checkAgainstClient(t, alice, "pencil")
	}
	if _, err := newService(t, 0).Credentials(t.Context(), "localhost", "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Credentials of unknown account: err = %v, want ErrNotFound", err)
	}
}

// checkAgainstClient derives the keys again with xdg-go/scram's client, an
// independent implementation, and compares.
func checkAgainstClient(t *testing.T, c storage.Credentials, password string) {
	t.Helper()
	for _, tt := range []struct {
		name string
		h    scram.HashGeneratorFcn
		keys storage.SCRAMKeys
	}{{"SHA-1", scram.SHA1, c.SHA1}, {"SHA-256", scram.SHA256, c.SHA256}} {
		client, err := tt.h.NewClient("alice", password, "")
		if err != nil {
			t.Fatal(err)
		}
		want, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(tt.keys.Salt), Iters: tt.keys.Iterations})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.StoredKey, tt.keys.StoredKey) || !bytes.Equal(want.ServerKey, tt.keys.ServerKey) {
			t.Errorf("%s keys differ from xdg-go/scram's derivation", tt.name)
		}
	}
}

func TestSetPassword(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	if err := s.Create(ctx, "localhost", "alice", "old"); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := s.SetPassword(ctx, "localhost", "alice", "new"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	for pw, want := range map[string]bool{"old": false, "new": true} {
		if ok, err := s.VerifyPlain(ctx, "localhost", "alice", pw); ok != want || err != nil {
			t.Errorf("after SetPassword, VerifyPlain(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if err := s.SetPassword(ctx, "localhost", "alice", ""); !errors.Is(err, ErrBadPassword) {
		t.Errorf("SetPassword to empty: err = %v, want ErrBadPassword", err)
	}
	if err := s.SetPassword(ctx, "localhost", "bob", "x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("SetPassword of unknown account: err = %v, want ErrNotFound", err)
	}
}

func TestDeleteListExists(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	for _, u := range []string{"carol", "alice", "bob"} {
		if err := s.Create(ctx, "localhost", u, "pw"); err != nil {
			t.Fatalf("Create(%s): %v", u, err)
		}
	}
	if err := s.Delete(ctx, "localhost", "bob"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Delete(ctx, "localhost", "bob"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete twice: err = %v, want ErrNotFound", err)
	}
	names, err := s.List(ctx, "localhost")
	if err != nil || !slices.Equal(names, []string{"alice", "carol"}) {
		t.Errorf("List = %q, %v; want [alice carol]", names, err)
	}
	for u, want := range map[string]bool{"alice": true, "bob": false, "dave": false} {
		if got, err := s.Exists(ctx, "localhost", u); got != want || err != nil {
			t.Errorf("Exists(%s) = %v, %v; want %v", u, got, err, want)
		}
	}
}
