// Package filter holds the delivery rules that plugins install for users —
// privacy lists (XEP-0016) and blocking (XEP-0191), resolved to JIDs — and
// evaluates them in memory on every stanza, so that no plugin is asked per
// stanza (DESIGN.md, rule 1).
package filter

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
)

// Stanzas is a set of stanza kinds and directions, seen from the owner.
type Stanzas uint32

// The kinds and directions a rule can apply to; 0 means all of them.
const (
	MessageIn Stanzas = 1 << iota
	MessageOut
	IQIn
	PresenceIn
	PresenceOut
)

// Verdict is the outcome of Check.
type Verdict struct {
	Denied bool
	// ReportBlocked: answer the owner's own message with not-acceptable and
	// <blocked xmlns='urn:xmpp:blocking:errors'/> (XEP-0191 §3.6).
	ReportBlocked bool
}

const shardCount = 32

// Table maps owners (bare JIDs) to their rules.
type Table struct {
	seed   maphash.Seed
	owners atomic.Int64 // owners with rules; 0 makes Check free
	shards [shardCount]shard
}

type shard struct {
	mu    sync.RWMutex
	rules map[string][]Rule
}

// NewTable returns an empty table.
func NewTable() *Table {
	t := &Table{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].rules = map[string][]Rule{}
	}
	return t
}

func (t *Table) shard(owner string) *shard {
	return &t.shards[maphash.String(t.seed, owner)%shardCount]
}

// Set replaces the owner's rules; no rules clears them.
func (t *Table) Set(owner string, rules []Rule) {
	sh := t.shard(owner)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, had := sh.rules[owner]
	switch {
	case len(rules) == 0 && had:
		delete(sh.rules, owner)
		t.owners.Add(-1)
	case len(rules) > 0:
		sh.rules[owner] = append([]Rule(nil), rules...)
		if !had {
			t.owners.Add(1)
		}
	}
}

// Clear removes the owner's rules.
func (t *Table) Clear(owner string) { t.Set(owner, nil) }

// Check applies the owner's rules to a stanza of kind k exchanged with
// peer: the first rule that matches decides; no match allows.
func (t *Table) Check(owner string, peer jidprep.JID, k Stanzas) Verdict {
	if t.owners.Load() == 0 {
		return Verdict{}
	}
	sh := t.shard(owner)
	sh.mu.RLock()
	rules := sh.rules[owner]
	sh.mu.RUnlock()
	for i := range rules {
		r := &rules[i]
		if r.stanzas != 0 && r.stanzas&k == 0 {
			continue
		}
		if !r.matches(peer) {
			continue
		}
		return Verdict{Denied: r.deny, ReportBlocked: r.deny && r.reportBlocked}
	}
	return Verdict{}
}
