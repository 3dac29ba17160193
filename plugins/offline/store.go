package offline

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, in the store of each account (owner: its bare JID):
//
//	msg/<nanos>   one stored message, serialized as received plus the
//	              server's <delay/>; <nanos> is the time it was stored,
//	              in Unix nanoseconds, zero-padded to 20 digits
//
// Keys sort bytewise, so a scan returns the queue oldest first. Within the
// plugin's process keys only grow (keyClock), so two messages stored in
// the same nanosecond still get distinct keys, in order.
//
// The core deletes every key of an account with the account.
type store struct{ sdk.Store }

const prefix = "msg/"

func (s store) add(ctx context.Context, key string, msg *etree.Element) error {
	var b bytes.Buffer
	msg.WriteTo(&b, &etree.WriteSettings{})
	if err := s.Put(ctx, key, b.Bytes()); err != nil {
		return fmt.Errorf("storing offline message: %w", err)
	}
	return nil
}

// count returns how many messages are queued, counting no further than
// limit.
func (s store) count(ctx context.Context, limit int) (int, error) {
	kvs, err := s.Scan(ctx, prefix, "", limit, false)
	if err != nil {
		return 0, fmt.Errorf("counting offline messages: %w", err)
	}
	return len(kvs), nil
}

// last returns the key of the newest message, "" when none.
func (s store) last(ctx context.Context) (string, error) {
	kvs, err := s.Scan(ctx, prefix, "", 1, true)
	if err != nil || len(kvs) == 0 {
		return "", err
	}
	return kvs[0].Key, nil
}

// keyClock hands out the keys of new messages.
type keyClock struct {
	mu   sync.Mutex
	last int64
	now  func() time.Time
}

// next returns the time a message is stored and its key, later than any
// key handed out before even if the wall clock did not move or went back.
func (c *keyClock) next() (time.Time, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now()
	n := max(t.UnixNano(), c.last+1)
	c.last = n
	return t, fmt.Sprintf("%s%020d", prefix, n)
}

// queueLocks is how many locks the accounts' queues share: enough that
// two busy accounts rarely wait for each other.
const queueLocks = 32

// queueIndex picks the lock of an account's queue.
func queueIndex(owner string) int {
	h := fnv.New32a()
	h.Write([]byte(owner))
	return int(h.Sum32() % queueLocks)
}
