package storagetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// BenchmarkArchiveBatch writes into s what the message archive (mam) writes
// for a busy server: batches of 16384 copies over 400 accounts talking in
// pairs, a record per copy and one of the index by peer per account. Every
// driver runs it from its own BenchmarkArchiveBatch, so their ns/copy
// figures compare.
func BenchmarkArchiveBatch(b *testing.B, s storage.Store) {
	stanza := make([]byte, 330)
	for i := range stanza {
		stanza[i] = 'a' + byte(i%26)
	}
	const owners, perBatch = 400, 16384
	nanos := int64(1_800_000_000_000_000_000)
	ops := make([]storage.Op, 0, 2*perBatch)
	// A context that can be cancelled, as the plugin's gRPC call has.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	copies := 0
	for b.Loop() {
		ops = ops[:0]
		// As mam writes a batch: by account, in the order the accounts
		// first appear, each account's messages in arrival order, and one
		// record of the index by peer per account and peer listing them.
		for owner := range owners {
			o, w := fmt.Sprintf("user%d@localhost", owner), fmt.Sprintf("user%d@localhost", owner^1)
			var group []byte
			groupKey := ""
			for i := owner; i < perBatch; i += owners {
				at := fmt.Sprintf("%020d", nanos+int64(i))
				id := fmt.Sprintf("%013x-abcdefgh", nanos+int64(i))
				if groupKey == "" {
					groupKey = "w/" + w + "/" + at + "/" + id
				}
				group = fmt.Appendf(group, "%s/%s\n", at, id)
				ops = append(ops, storage.Op{Owner: o, Key: "m/" + at + "/" + w + "/" + id, Value: stanza})
			}
			ops = append(ops, storage.Op{Owner: o, Key: groupKey, Value: group})
		}
		nanos += perBatch
		if err := s.Batch(ctx, "mam", ops); err != nil {
			b.Fatal(err)
		}
		copies += perBatch
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(copies), "ns/copy")
}
