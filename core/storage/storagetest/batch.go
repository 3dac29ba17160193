package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

func testBatch(t *testing.T, open func(t *testing.T) storage.Store) {
	ctx := t.Context()
	s := open(t)
	if err := s.Put(ctx, "mam", "alice@localhost", "old", []byte("x")); err != nil {
		t.Fatal(err)
	}
	ops := []storage.Op{
		{Owner: "alice@localhost", Key: "a", Value: []byte("1")},
		{Owner: "bob@localhost", Key: "b", Value: []byte("2")},
		{Owner: "alice@localhost", Key: "a", Value: []byte("3")}, // later ops win
		{Owner: "alice@localhost", Key: "old", Delete: true},
		// A store may reorder a batch for speed, but never the ops on
		// one key: here each pair would end the other way round.
		{Owner: "zoe@localhost", Key: "z", Value: []byte("4")},
		{Owner: "zoe@localhost", Key: "z", Delete: true},
		{Owner: "amy@localhost", Key: "y", Delete: true},
		{Owner: "amy@localhost", Key: "y", Value: []byte("5")},
	}
	if err := s.Batch(ctx, "mam", ops); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ owner, key, want string }{{"alice@localhost", "a", "3"}, {"bob@localhost", "b", "2"}, {"amy@localhost", "y", "5"}} {
		v, err := s.Get(ctx, "mam", c.owner, c.key)
		if err != nil || string(v) != c.want {
			t.Errorf("after Batch, %s/%s = %q, %v; want %q", c.owner, c.key, v, err, c.want)
		}
	}
	if _, err := s.Get(ctx, "mam", "alice@localhost", "old"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a batched delete left the key: %v", err)
	}
	if _, err := s.Get(ctx, "mam", "zoe@localhost", "z"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a put then a delete of one key in a batch left the key: %v", err)
	}
	if _, err := s.Get(ctx, "other", "alice@localhost", "a"); !errors.Is(err, storage.ErrNotFound) {
		t.Error("a batch wrote outside its namespace")
	}
	if err := s.Batch(ctx, "mam", nil); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
	// A batch whose caller has gone (a plugin's call timed out) is an
	// error and writes nothing.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Batch(gone, "mam", []storage.Op{{Owner: "carol@localhost", Key: "c", Value: []byte("1")}}); err == nil {
		t.Error("a batch with a cancelled context succeeded")
	}
	if _, err := s.Get(ctx, "mam", "carol@localhost", "c"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a batch with a cancelled context wrote: %v", err)
	}
}
