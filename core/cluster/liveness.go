package cluster

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// liveness keeps this node's key in the nodes bucket fresh and tells when
// another node's goes stale. A node's death is judged by this node's
// clock from the refreshes the watch brings, not by an expiry event,
// which JetStream reports only on recent servers.
type liveness struct {
	n  *Node
	kv jetstream.KeyValue

	mu       sync.Mutex
	lastSeen map[string]time.Time
	dead     map[string]bool
}

func newLiveness(n *Node, kv jetstream.KeyValue) *liveness {
	return &liveness{n: n, kv: kv, lastSeen: map[string]time.Time{}, dead: map[string]bool{}}
}

// beat refreshes this node's key.
func (lv *liveness) beat(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, lv.n.waitFor())
	defer cancel()
	if _, err := lv.kv.Put(ctx, lv.n.name, []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
		return err
	}
	return nil
}

// run beats and checks three times per liveness period until ctx ends.
func (lv *liveness) run(ctx context.Context) {
	t := time.NewTicker(lv.n.cfg.Liveness / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := lv.beat(ctx); err != nil && ctx.Err() == nil {
			lv.n.log.Warn("refreshing this node's liveness key: the others take it for dead past cluster.liveness", "error", err)
		}
		lv.check(ctx)
	}
}

// apply records a refresh, or a node leaving, from the watch.
func (lv *liveness) apply(e jetstream.KeyValueEntry, _ bool) {
	node := e.Key()
	if node == lv.n.name {
		return
	}
	lv.mu.Lock()
	if e.Operation() != jetstream.KeyValuePut {
		// A node leaving on purpose removes its key: no need to wait.
		delete(lv.lastSeen, node)
		already := lv.dead[node]
		lv.dead[node] = true
		lv.mu.Unlock()
		if !already {
			lv.died(node, true)
		}
		return
	}
	lv.lastSeen[node] = time.Now()
	revived := lv.dead[node]
	delete(lv.dead, node)
	lv.mu.Unlock()
	if revived {
		lv.n.log.Info("a node is back", "back", node)
	}
	lv.n.links.setDown(node, false)
}

// check declares dead the nodes not refreshed for a liveness period,
// among those seen and those the registry names.
func (lv *liveness) check(ctx context.Context) {
	now := time.Now()
	named := lv.n.reg.nodes()
	var gone []string
	lv.mu.Lock()
	for node := range named {
		if _, ok := lv.lastSeen[node]; !ok && !lv.dead[node] {
			lv.lastSeen[node] = now // named but never seen: its clock starts now
		}
	}
	for node, at := range lv.lastSeen {
		if now.Sub(at) > lv.n.cfg.Liveness {
			delete(lv.lastSeen, node)
			lv.dead[node] = true
			gone = append(gone, node)
		}
	}
	lv.mu.Unlock()
	for _, node := range gone {
		lv.died(node, false)
	}
}

// died forgets a node that left (removed its key on stopping) or went
// silent, with the sessions it held.
func (lv *liveness) died(node string, left bool) {
	lv.n.links.setDown(node, true)
	ctx, cancel := context.WithTimeout(lv.n.ctx, lv.n.waitFor()*4)
	defer cancel()
	removed, announced := lv.n.reg.nodeDead(ctx, node)
	if left {
		lv.n.log.Info("a node left the cluster", "gone", node, "sessions", removed, "announced", announced)
		return
	}
	lv.n.log.Warn("a node is gone: not heard from within cluster.liveness; its sessions are closed", "dead", node, "sessions", removed, "announced", announced)
}

// leave removes this node's key, so that the others know at once.
func (lv *liveness) leave(ctx context.Context) {
	if err := lv.kv.Delete(ctx, lv.n.name); err != nil {
		lv.n.log.Warn("removing this node's liveness key on leaving", "error", err)
	}
}
