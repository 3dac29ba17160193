package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// record is a registry value: the session bound to a key's full JID.
type record struct {
	Node      string    `json:"node"`
	ID        string    `json:"id"`
	Since     time.Time `json:"since"`
	Available bool      `json:"available,omitempty"`
	Priority  int8      `json:"priority,omitempty"`
	Presence  []byte    `json:"presence,omitempty"` // the last broadcast, 'from' the full JID
	Carbons   bool      `json:"carbons,omitempty"`  // the session gets carbon copies (XEP-0280)
}

// broadcast is the presence the session broadcasts, nil while it is not
// available.
func (rec record) broadcast() []byte {
	if !rec.Available {
		return nil
	}
	return rec.Presence
}

// keyOf is the registry key of a full JID: base64url, since a key may
// hold only a few characters.
func keyOf(full string) string { return base64.RawURLEncoding.EncodeToString([]byte(full)) }

func fullOf(key string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(key)
	return string(b), err
}

// registry mirrors the session bucket into the session table and writes
// this node's sessions into it.
type registry struct {
	n  *Node
	kv jetstream.KeyValue

	mu sync.Mutex
	// seen is the last change the watch applied per key.
	seen map[string]seenEntry
	// local are this node's sessions with the revision their last write
	// made; 0 while the bind's write is under way.
	local map[string]*localEntry
	// remote are the sessions of other nodes put into the table.
	remote map[string]*session.Session
}

type seenEntry struct {
	rev  uint64
	node string // "" once deleted
}

type localEntry struct {
	sess *session.Session
	rev  uint64
}

func newRegistry(n *Node, kv jetstream.KeyValue) *registry {
	return &registry{n: n, kv: kv, seen: map[string]seenEntry{}, local: map[string]*localEntry{}, remote: map[string]*session.Session{}}
}

func (r *registry) recordOf(s *session.Session) []byte {
	avail, prio := s.Presence()
	b, err := json.Marshal(record{Node: r.n.name, ID: s.ID, Since: s.Since, Available: avail, Priority: prio, Presence: s.LastPresence(), Carbons: s.Carbons.Load()})
	if err != nil {
		panic(fmt.Sprintf("encoding a registry record: %v", err)) // a struct of plain fields always encodes
	}
	return b
}

// bind writes a session this node bound. The newest bind of a full JID
// wins: a key that names another node is replaced at the revision read,
// and that node, seeing the change, closes its session with a conflict.
func (r *registry) bind(ctx context.Context, s *session.Session) error {
	key := keyOf(s.Full)
	r.mu.Lock()
	r.local[key] = &localEntry{sess: s}
	r.mu.Unlock()
	val := r.recordOf(s)
	var rev uint64
	var err error
	for range 8 {
		rev, err = r.kv.Create(ctx, key, val)
		if !errors.Is(err, jetstream.ErrKeyExists) {
			break
		}
		var e jetstream.KeyValueEntry
		e, err = r.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			break
		}
		rev, err = r.kv.Update(ctx, key, val, e.Revision())
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("registering %s: %w", s.Full, err)
	}
	r.settle(key, s, rev)
	return nil
}

// settle records the revision of this node's write, and closes the
// session if the watch has already seen a newer bind on another node.
func (r *registry) settle(key string, s *session.Session, rev uint64) {
	r.mu.Lock()
	l := r.local[key]
	if l == nil || l.sess != s {
		r.mu.Unlock()
		return
	}
	l.rev = rev
	seen := r.seen[key]
	lost := seen.rev > rev && seen.node != "" && seen.node != r.n.name
	if lost {
		delete(r.local, key)
	}
	r.mu.Unlock()
	if lost {
		s.Sink.Close(conflict())
	}
}

// presence rewrites a session's availability, priority, last presence and
// delivery options, unless another node has bound its full JID since.
func (r *registry) presence(ctx context.Context, s *session.Session) error {
	key := keyOf(s.Full)
	r.mu.Lock()
	l := r.local[key]
	if l == nil || l.sess != s || l.rev == 0 {
		r.mu.Unlock()
		return nil
	}
	rev := l.rev
	r.mu.Unlock()
	next, err := r.kv.Update(ctx, key, r.recordOf(s), rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return nil // another node took the resource: the watch closes this one
	}
	if err != nil {
		return fmt.Errorf("updating the presence of %s: %w", s.Full, err)
	}
	r.mu.Lock()
	if l := r.local[key]; l != nil && l.sess == s && l.rev == rev {
		l.rev = next
	}
	r.mu.Unlock()
	return nil
}

// unbind removes a session's key, if it is still the one this session
// wrote.
func (r *registry) unbind(ctx context.Context, s *session.Session) error {
	key := keyOf(s.Full)
	r.mu.Lock()
	l := r.local[key]
	if l == nil || l.sess != s {
		r.mu.Unlock()
		return nil
	}
	delete(r.local, key)
	rev := l.rev
	r.mu.Unlock()
	if rev == 0 {
		return nil
	}
	err := r.kv.Delete(ctx, key, jetstream.LastRevision(rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("unregistering %s: %w", s.Full, err)
	}
	return nil
}

// apply mirrors one change of the bucket into the table. initial is true
// while the watch replays what the bucket held when this node joined.
func (r *registry) apply(e jetstream.KeyValueEntry, initial bool) {
	key := e.Key()
	full, err := fullOf(key)
	if err != nil {
		r.n.log.Warn("ignoring a registry key that is no JID", "key", key, "error", err)
		return
	}
	if e.Operation() != jetstream.KeyValuePut {
		r.removed(key, e.Revision())
		return
	}
	var rec record
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		r.n.log.Warn("ignoring a registry record that does not decode", "jid", full, "error", err)
		return
	}
	r.mu.Lock()
	r.seen[key] = seenEntry{rev: e.Revision(), node: rec.Node}
	if rec.Node == r.n.name {
		// A session of another node that this node's bind replaced in
		// the table is no longer the other node's to lose.
		delete(r.remote, key)
		r.mu.Unlock()
		if initial {
			r.forgetStale(key, full, e.Revision())
		}
		return
	}
	var lost *session.Session
	if l := r.local[key]; l != nil {
		if l.rev == 0 || e.Revision() < l.rev {
			r.mu.Unlock()
			return // this node's bind is newer, or under way and will be
		}
		delete(r.local, key)
		lost = l.sess
	}
	if p := r.remote[key]; p != nil && p.Node == rec.Node && p.ID == rec.ID {
		p.SetPresence(rec.Available, rec.Priority)
		p.SetLastPresence(rec.Presence)
		p.Carbons.Store(rec.Carbons)
		r.mu.Unlock()
		r.n.log.Debug("a session of another node changed", "jid", full, "available", rec.Available, "carbons", rec.Carbons)
		r.n.plugins.SessionElsewhere(p, rec.broadcast())
		return
	}
	p, err := r.remoteSession(full, rec)
	if err != nil {
		r.mu.Unlock()
		r.n.log.Warn("ignoring a registry record", "jid", full, "error", err)
		return
	}
	r.remote[key] = p
	// Unlimited: the limit on resources was the binding node's to apply.
	if _, err := r.n.table.Add(p, 0); err != nil {
		r.n.log.Warn("adding a session of another node", "jid", full, "error", err)
	}
	r.mu.Unlock()
	r.n.log.Debug("a session of another node", "jid", full, "holder", rec.Node)
	r.n.plugins.SessionElsewhere(p, rec.broadcast())
	if lost != nil {
		r.n.log.Debug("resource conflict: another node bound the resource", "jid", full, "by", rec.Node)
		lost.Sink.Close(conflict())
	}
}

func (r *registry) remoteSession(full string, rec record) (*session.Session, error) {
	j, err := jidprep.Parse(full)
	if err != nil {
		return nil, err
	}
	if j.Resource == "" {
		return nil, fmt.Errorf("%q is no full JID", full)
	}
	p := session.New(rec.ID, j, &remoteSink{l: r.n.links.get(rec.Node), full: j.String(), id: rec.ID})
	p.Node, p.Since = rec.Node, rec.Since
	p.SetPresence(rec.Available, rec.Priority)
	p.Carbons.Store(rec.Carbons)
	if rec.Presence != nil {
		p.SetLastPresence(rec.Presence)
	}
	return p, nil
}

// removed applies a deleted key.
func (r *registry) removed(key string, rev uint64) {
	r.mu.Lock()
	r.seen[key] = seenEntry{rev: rev}
	p := r.remote[key]
	delete(r.remote, key)
	r.mu.Unlock()
	if p != nil {
		r.n.table.Remove(p)
		r.n.plugins.SessionElsewhere(p, nil)
	}
}

// forgetStale deletes a key naming this node that no session of this
// process wrote: left by an earlier run under the same name that ended
// without unbinding.
func (r *registry) forgetStale(key, full string, rev uint64) {
	ctx, cancel := context.WithTimeout(r.n.ctx, r.n.waitFor())
	defer cancel()
	if err := r.kv.Delete(ctx, key, jetstream.LastRevision(rev)); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		r.n.log.Warn("removing a session an earlier run of this node left registered", "jid", full, "error", err)
	}
}

// nodes returns the nodes that hold sessions, as the registry says.
func (r *registry) nodes() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for _, p := range r.remote {
		out[p.Node] = true
	}
	return out
}

// nodeDead drops a dead node's sessions from the table, and from the
// registry: of the survivors, the one whose delete of a key succeeds
// tells its plugins that the session ended, so that its contacts hear of
// it once. It returns how many sessions this node removed and announced.
func (r *registry) nodeDead(ctx context.Context, node string) (removed, announced int) {
	type gone struct {
		key  string
		rev  uint64
		sess *session.Session
	}
	var all []gone
	r.mu.Lock()
	for key, p := range r.remote {
		if p.Node != node {
			continue
		}
		delete(r.remote, key)
		if seen := r.seen[key]; seen.node == node {
			all = append(all, gone{key, seen.rev, p})
		}
	}
	r.mu.Unlock()
	for _, g := range all {
		r.n.table.Remove(g.sess)
		err := r.kv.Delete(ctx, g.key, jetstream.LastRevision(g.rev))
		if err == nil {
			announced++
			r.n.plugins.SessionClosed(g.sess, unavailableFrom(g.sess))
			continue
		}
		// Another survivor announces it.
		r.n.plugins.SessionElsewhere(g.sess, nil)
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			r.n.log.Warn("removing a dead node's session from the registry", "jid", g.sess.Full, "dead", node, "error", err)
		}
	}
	return len(all), announced
}

// unavailableFrom is the presence a session of a dead node leaves with.
func unavailableFrom(s *session.Session) []byte {
	b := append([]byte(nil), "<presence type='unavailable' from='"...)
	b = stream.AppendEscapedAttr(b, s.Full)
	return append(b, "'/>"...)
}

func conflict() *stream.Error {
	return stream.NewError("conflict", "replaced by a new session on the same resource, on another node")
}
