package transfer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/sqlite"
	"github.com/switchboard-xmpp/switchboard/core/storage/storagetest"
)

func open(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A copy holds what the source does, a rerun changes nothing, and a
// destination that held more fails the check, saying where.
func TestCopy(t *testing.T) {
	ctx := t.Context()
	from, to := open(t), open(t)
	for _, u := range []string{"alice", "bob"} {
		if err := from.CreateAccount(ctx, storagetest.Account("localhost", u)); err != nil {
			t.Fatal(err)
		}
	}
	var ops []storage.Op
	for i := range 2500 {
		ops = append(ops, storage.Op{Owner: "alice@localhost", Key: strings.Repeat("k", i%7) + string(rune('a'+i%26)) + strings.Repeat("z", i/26), Value: []byte{byte(i)}})
	}
	if err := from.Batch(ctx, "mam", ops); err != nil {
		t.Fatal(err)
	}
	if err := from.Put(ctx, "vcard", "bob@localhost", "card", []byte("<vCard/>")); err != nil {
		t.Fatal(err)
	}
	var reports int
	var last [2]int64
	progress := func(done, total int64) { reports++; last = [2]int64{done, total} }
	for run := range 2 {
		counts, err := Copy(ctx, from, to, progress)
		if err != nil {
			t.Fatalf("copy %d: %v", run+1, err)
		}
		if counts.Accounts != 2 || counts.KV["mam"] != 2500 || counts.KV["vcard"] != 1 {
			t.Errorf("copy %d counted %+v", run+1, counts)
		}
	}
	if reports == 0 || last != [2]int64{2503, 2503} {
		t.Errorf("progress: %d reports, the last %v; want the end, 2503 of 2503", reports, last)
	}
	got, err := to.Account(ctx, "localhost", "alice")
	if err != nil || !got.Created.Equal(storagetest.Account("localhost", "alice").Created) || string(got.Credentials.SHA1.StoredKey) != "sha1-stored" {
		t.Errorf("copied account: %+v, %v", got, err)
	}
	if v, err := to.Get(ctx, "vcard", "bob@localhost", "card"); err != nil || string(v) != "<vCard/>" {
		t.Errorf("copied vcard: %q, %v", v, err)
	}

	if err := to.Put(ctx, "private", "bob@localhost", "extra", []byte("x")); err != nil {
		t.Fatal(err)
	}
	_, err = Copy(ctx, from, to, nil)
	if err == nil || !strings.Contains(err.Error(), `namespace "private": 0 rows in the source, 1 in the copy`) {
		t.Errorf("copy into a store with more: %v, want the difference named", err)
	}
}
