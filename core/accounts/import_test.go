package accounts

import (
	"crypto/sha1"
	"errors"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// sha1Only is the account as Prosody exports it: SCRAM-SHA-1 keys alone.
func sha1Only(t *testing.T, password string) storage.Account {
	t.Helper()
	k, err := deriveKeys(sha1.New, password, []byte("prosody-salt"), 10000)
	if err != nil {
		t.Fatal(err)
	}
	return storage.Account{Domain: "localhost", Username: "alice", Credentials: storage.Credentials{SHA1: k}}
}

// TestImportSHA1Only: an account with SCRAM-SHA-1 keys alone serves
// SCRAM-SHA-1, has no SCRAM-SHA-256 keys to serve (ErrNoKeys, not an
// incomplete-keys error), and its first right PLAIN password gives it
// SHA-256 keys; a wrong one changes nothing.
func TestImportSHA1Only(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	if err := s.Import(ctx, sha1Only(t, "old secret"), false); err != nil {
		t.Fatalf("Import: %v", err)
	}
	src := s.SASLSource("localhost")
	if k, err := src.SCRAM(ctx, "alice", false); err != nil || k.Iterations != 10000 {
		t.Fatalf("SCRAM-SHA-1 keys: %+v, %v", k, err)
	}
	if _, err := src.SCRAM(ctx, "alice", true); !errors.Is(err, sasl.ErrNoKeys) {
		t.Fatalf("SCRAM-SHA-256 keys of a SHA-1-only account: %v, want ErrNoKeys", err)
	}
	if ok, err := s.VerifyPlain(ctx, "localhost", "alice", "wrong"); ok || err != nil {
		t.Fatalf("VerifyPlain(wrong) = %v, %v", ok, err)
	}
	if _, err := src.SCRAM(ctx, "alice", true); !errors.Is(err, sasl.ErrNoKeys) {
		t.Fatalf("a wrong PLAIN password gave keys: %v", err)
	}
	if ok, err := s.VerifyPlain(ctx, "localhost", "alice", "old secret"); !ok || err != nil {
		t.Fatalf("VerifyPlain(right) = %v, %v", ok, err)
	}
	if _, err := src.SCRAM(ctx, "alice", true); err != nil {
		t.Fatalf("SCRAM-SHA-256 keys after a PLAIN login: %v", err)
	}
	if ok, err := s.VerifyPlain(ctx, "localhost", "alice", "old secret"); !ok || err != nil {
		t.Fatalf("VerifyPlain against the new keys = %v, %v", ok, err)
	}
}

func TestImportRefuses(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	good := sha1Only(t, "pw")
	if err := s.Import(ctx, good, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, good, false); !errors.Is(err, storage.ErrExists) {
		t.Errorf("importing an existing account: %v, want ErrExists", err)
	}
	replaced := sha1Only(t, "new")
	if err := s.Import(ctx, replaced, true); err != nil {
		t.Errorf("importing an existing account with replace: %v", err)
	}
	if ok, _ := s.VerifyPlain(ctx, "localhost", "alice", "new"); !ok {
		t.Errorf("replace kept the old keys")
	}
	short := sha1Only(t, "pw")
	short.Username = "bob"
	short.Credentials.SHA1.StoredKey = short.Credentials.SHA1.StoredKey[:10]
	upper := sha1Only(t, "pw")
	upper.Username = "Bob"
	for name, a := range map[string]storage.Account{
		"no keys":            {Domain: "localhost", Username: "bob"},
		"a short stored key": short,
		"an unprepared name": upper,
	} {
		if err := s.Import(ctx, a, false); err == nil {
			t.Errorf("Import with %s succeeded", name)
		}
	}
}
