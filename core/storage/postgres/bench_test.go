package postgres

import (
	"context"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage/postgres/pgtest"
	"github.com/switchboard-xmpp/switchboard/core/storage/storagetest"
)

// BenchmarkArchiveBatch writes the archive's batches into the test server;
// see storagetest.BenchmarkArchiveBatch. The figure depends on that server:
// pg_virtualenv's cluster runs with fsync off.
func BenchmarkArchiveBatch(b *testing.B) {
	s, err := Open(context.Background(), pgtest.DSN(b), Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	storagetest.BenchmarkArchiveBatch(b, s)
}
