// Package filter holds the delivery rules that plugins install for users —
// privacy lists (XEP-0016) and blocking (XEP-0191), resolved to JIDs — and
// evaluates them in memory on every stanza, so that no plugin is asked per
// stanza (docs/ARCHITECTURE.md, rule 1).
package filter

import (
	"hash/maphash"
	"sort"
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
	SubscriptionIn
	SubscriptionOut
	IQOut
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
	rules map[string]*ownerRules
}

// ownerRules are one owner's rules by the plugin that installed them, and
// their concatenation in plugin-name order, which Check reads.
type ownerRules struct {
	byPlugin map[string][]Rule
	merged   []Rule
}

func (o *ownerRules) merge() {
	names := make([]string, 0, len(o.byPlugin))
	for n := range o.byPlugin {
		names = append(names, n)
	}
	sort.Strings(names)
	var merged []Rule
	for _, n := range names {
		merged = append(merged, o.byPlugin[n]...)
	}
	o.merged = merged
}

// NewTable returns an empty table.
func NewTable() *Table {
	t := &Table{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].rules = map[string]*ownerRules{}
	}
	return t
}

func (t *Table) shard(owner string) *shard {
	return &t.shards[maphash.String(t.seed, owner)%shardCount]
}

// Set replaces the rules plugin installed for owner; no rules clears them.
func (t *Table) Set(plugin, owner string, rules []Rule) {
	sh := t.shard(owner)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	o := sh.rules[owner]
	if o == nil {
		if len(rules) == 0 {
			return
		}
		o = &ownerRules{byPlugin: map[string][]Rule{}}
		sh.rules[owner] = o
		t.owners.Add(1)
	}
	if len(rules) == 0 {
		delete(o.byPlugin, plugin)
	} else {
		o.byPlugin[plugin] = append([]Rule(nil), rules...)
	}
	if len(o.byPlugin) == 0 {
		delete(sh.rules, owner)
		t.owners.Add(-1)
		return
	}
	o.merge()
}

// Clear removes every rule of an owner (whose account is gone).
func (t *Table) Clear(owner string) {
	sh := t.shard(owner)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.rules[owner]; ok {
		delete(sh.rules, owner)
		t.owners.Add(-1)
	}
}

// ClearPlugin removes every rule a plugin installed, when it is stopped.
func (t *Table) ClearPlugin(plugin string) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for owner, o := range sh.rules {
			if _, ok := o.byPlugin[plugin]; !ok {
				continue
			}
			delete(o.byPlugin, plugin)
			if len(o.byPlugin) == 0 {
				delete(sh.rules, owner)
				t.owners.Add(-1)
				continue
			}
			o.merge()
		}
		sh.mu.Unlock()
	}
}

// Check applies the owner's rules to a stanza of kind k exchanged with
// peer: the first rule that matches decides; no match allows.
func (t *Table) Check(owner string, peer jidprep.JID, k Stanzas) Verdict {
	if t.owners.Load() == 0 {
		return Verdict{}
	}
	sh := t.shard(owner)
	sh.mu.RLock()
	var rules []Rule
	if o := sh.rules[owner]; o != nil {
		rules = o.merged
	}
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
