package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage/storagetest"
)

// BenchmarkArchiveBatch writes the archive's batches into a real database
// file; see storagetest.BenchmarkArchiveBatch.
func BenchmarkArchiveBatch(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	storagetest.BenchmarkArchiveBatch(b, s)
}
