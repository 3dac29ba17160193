package mam

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// ownersPage is how many accounts the cleanup reads from the owner index
// at a time; expirePage how many messages of one account.
const (
	ownersPage = 100
	expirePage = 100
)

// cleanup is one run of the retention cleanup. Its errors have no one to
// go to but the log.
func (m *MAM) cleanup(ctx context.Context) {
	n, err := m.expire(ctx, time.Now())
	host, _ := m.settings.Current()
	if err != nil && ctx.Err() == nil {
		host.Logger().Error("archive retention cleanup failed", "deleted", n, "error", err)
		return
	}
	if n > 0 {
		host.Logger().Debug("archive retention cleanup", "deleted", n)
	}
}

// expire deletes, in every archive, the messages archived before now less
// the retention, oldest first, so that no archive gets a hole (XEP-0313
// §3.2). It returns how many it deleted.
func (m *MAM) expire(ctx context.Context, now time.Time) (int, error) {
	host, cfg := m.settings.Current()
	if cfg.Retention <= 0 {
		return 0, nil
	}
	cutoff := now.Add(-cfg.Retention).UnixNano()
	owners := host.Store("")
	total, after := 0, ""
	for {
		kvs, err := owners.Scan(ctx, ownerPrefix, after, ownersPage, false)
		if err != nil {
			return total, fmt.Errorf("listing archive owners: %w", err)
		}
		for _, kv := range kvs {
			owner := strings.TrimPrefix(kv.Key, ownerPrefix)
			n, err := expireArchive(ctx, host, owner, cutoff)
			total += n
			if err != nil {
				return total, fmt.Errorf("expiring the archive of %s: %w", owner, err)
			}
		}
		if len(kvs) < ownersPage {
			return total, nil
		}
		after = kvs[len(kvs)-1].Key
	}
}

// expireArchive deletes one archive's messages older than cutoff, a page
// at a time, each page with its index records in one store batch. It
// looks at the oldest message alone first: most runs find nothing to
// delete, and a scan returns the messages along with their keys.
func expireArchive(ctx context.Context, host sdk.Host, owner string, cutoff int64) (int, error) {
	a := archive{host.Store(owner)}
	n, limit, after := 0, 1, ""
	for {
		kvs, err := a.st.Scan(ctx, msgPrefix, after, limit, false)
		if err != nil {
			return n, err
		}
		var expired []entry
		done := len(kvs) < limit
		for _, kv := range kvs {
			e, ok := parseMsgKey(kv.Key)
			if ok && e.nanos >= cutoff {
				done = true
				break
			}
			if !ok {
				// Not a key this plugin writes; never a reason to stop.
				if err := a.st.Delete(ctx, kv.Key); err != nil {
					return n, err
				}
				continue
			}
			expired = append(expired, e)
		}
		if len(expired) > 0 {
			ops, err := a.removeOps(ctx, owner, expired)
			if err != nil {
				return n, err
			}
			if err := host.StoreBatch(ctx, ops); err != nil {
				return n, fmt.Errorf("deleting %d archived messages: %w", len(expired), err)
			}
			n += len(expired)
		}
		if done {
			return n, nil
		}
		after, limit = kvs[len(kvs)-1].Key, expirePage
	}
}

// janitor runs the retention cleanup every so often, from Configure until
// Cleanup.
type janitor struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// start runs run every interval until stop, in place of what ran
// before. The context is the janitor's own: the cleanup belongs to no
// request.
func (j *janitor) start(every time.Duration, run func(context.Context)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.stopLocked()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	j.cancel, j.done = cancel, done
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				run(ctx)
			}
		}
	}()
}

// stop ends the cleanup and waits for a run in progress, which its
// cancelled context cuts short; it does nothing when none runs.
func (j *janitor) stop() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.stopLocked()
}

func (j *janitor) stopLocked() {
	if j.cancel == nil {
		return
	}
	j.cancel()
	<-j.done
	j.cancel, j.done = nil, nil
}
