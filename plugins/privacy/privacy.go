// Package privacy implements XEP-0016: Privacy Lists and XEP-0191:
// Blocking Command, over one store: the block list is the set of blocked
// JIDs of the default privacy list, as XEP-0191 §5 recommends and ejabberd
// does.
//
// The plugin never sees the stanzas it filters. It turns the list in force
// into rules — groups and subscription states resolved to JIDs through
// the roster plugin — and installs them with Host.SetFilters; the core
// evaluates them in memory on every stanza (docs/ARCHITECTURE.md, rule 1). The rules
// are installed again whenever the list, the sessions' choices or the
// roster change, and for every owner with a default list when the plugin
// starts.
package privacy

import (
	"context"
	"crypto/rand"
	"hash/maphash"
	"sync"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces.
const (
	NS         = "jabber:iq:privacy"
	NSBlocking = "urn:xmpp:blocking"
)

// Privacy is the plugin.
type Privacy struct {
	newID func() string // ids of pushes; fixed by tests

	locks [64]sync.Mutex // per owner, by hash: one change at a time
	seed  maphash.Seed

	mu        sync.Mutex
	host      sdk.Host
	cfg       Config
	installed map[string]installed // by owner
	sweep     *sweeper             // installs the stored rules after a Configure
}

// New returns the plugin.
func New() *Privacy {
	return &Privacy{newID: randomID, seed: maphash.MakeSeed(), cfg: defaultConfig(), installed: map[string]installed{}}
}

// Describe declares the two protocols, handled for the user's own account,
// and what keeps the installed rules current.
func (p *Privacy) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "privacy",
		Version: sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get", "set"}, To: sdk.ToBare, Handle: p.handlePrivacy},
			{Kind: sdk.IQ, Namespace: NSBlocking, Types: []string{"get"}, To: sdk.ToBare, Handle: p.handleBlocklist},
			{Kind: sdk.IQ, Namespace: NSBlocking, Types: []string{"set"}, To: sdk.ToBare, Handle: p.handleBlock},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionBound, Handle: p.sessionBound},
			{Kind: sdk.SessionClosed, Handle: p.sessionClosed},
			{Kind: sdk.AccountDeleted, Handle: p.accountDeleted},
			{Kind: sdk.Published, Topic: rosterapi.Plugin + "." + rosterapi.TopicChanged, Handle: p.rosterChanged},
			{Kind: sdk.Published, Topic: "privacy." + TopicChanged, Handle: p.changedElsewhere},
		},
		Features: []string{NS, NSBlocking},
		Requires: []string{"roster.items"},
	}
}

// Configure decodes the section and starts installing, in the
// background, the rules of every owner with a default list that the
// plugin has not installed since it started: after a server restart the
// core enforces nothing until then.
func (p *Privacy) Configure(_ context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	p.mu.Lock()
	old := p.sweep
	p.host, p.cfg, p.sweep = c.Host, cfg, nil
	p.mu.Unlock()
	if old != nil {
		old.stop()
	}
	s := startSweep(p, c.Logger)
	p.mu.Lock()
	p.sweep = s
	p.mu.Unlock()
	return nil
}

// Cleanup stops the start-up sweep, if it still runs.
func (p *Privacy) Cleanup() error {
	p.mu.Lock()
	s := p.sweep
	p.mu.Unlock()
	if s != nil {
		s.stop()
	}
	return nil
}

func (p *Privacy) state() (sdk.Host, Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host, p.cfg
}

// lock takes the owner's lock and returns its unlock.
func (p *Privacy) lock(owner string) func() {
	m := &p.locks[maphash.String(p.seed, owner)%uint64(len(p.locks))]
	m.Lock()
	return m.Unlock
}

// randomID returns an id for a push; the pushes are the server's own
// requests, so only uniqueness matters.
func randomID() string {
	return "push-" + rand.Text()[:12]
}
