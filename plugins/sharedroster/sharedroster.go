// Package sharedroster puts shared groups in the rosters of their members,
// as the operator configures them (ejabberd's mod_shared_roster, Prosody's
// mod_groups), and serves jabber:iq:roster-dynamic, Tigase's protocol for
// the extra data that such server-made contacts carry.
//
// Roster items have one writer, the roster plugin. This plugin decides
// which items the groups call for and hands them, per account, to
// roster's managed method, which keeps them apart from the items the user
// added: subscription both while the groups say so, pushed and published
// like any change, so that presence follows on its own. This plugin keeps
// only the list of accounts it gave items to, to take them back when the
// groups change.
package sharedroster

import (
	"context"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NS is Tigase's namespace for the extra data of dynamic roster contacts.
const NS = "jabber:iq:roster-dynamic"

// ManagedRequest and ManagedItem are roster's managed method (rosterapi).
type (
	ManagedRequest = rosterapi.ManagedRequest
	ManagedItem    = rosterapi.ManagedItem
)

// SharedRoster is the plugin.
type SharedRoster struct {
	// syncMu lets one sync run at a time, so that the last to run, which
	// reads the latest groups, has the last word.
	syncMu sync.Mutex
	// life ends with Cleanup: the syncs that Configure starts in the
	// background stop then.
	life context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu       sync.Mutex
	host     sdk.Host
	log      hclog.Logger
	idx      *index
	maxExtra int
}

// New returns the plugin.
func New() *SharedRoster {
	life, stop := context.WithCancel(context.Background())
	return &SharedRoster{life: life, stop: stop, log: hclog.NewNullLogger(), idx: &index{byMember: map[string][]string{}}}
}

// Describe declares the roster-dynamic route, the events that change who
// has which items, and the roster method that writes them.
func (s *SharedRoster) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "sharedroster",
		Version: sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get", "set"}, To: sdk.ToBare, Handle: s.handleIQ},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.ManifestsChanged, Handle: s.manifestsChanged},
			{Kind: sdk.AccountCreated, Handle: s.accountCreated},
			{Kind: sdk.AccountDeleted, Handle: s.accountDeleted},
		},
		Features: []string{NS},
		Requires: []string{"roster.managed"},
	}
}

// Configure decodes the groups and, when the server is already running
// (a reload), brings the rosters in line with them in the background. At
// start-up roster cannot be called yet; the ManifestsChanged that follows
// the start does it.
func (s *SharedRoster) Configure(ctx context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	idx, err := newIndex(cfg.Groups, c.Domain)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.host, s.log, s.idx, s.maxExtra = c.Host, c.Logger, idx, cfg.MaxExtraBytes
	s.mu.Unlock()
	if !running(ctx, c.Host) {
		return nil
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.sync(s.life, nil); err != nil {
			c.Logger.Warn("bringing the shared groups into the rosters", "error", err)
		}
	}()
	return nil
}

// Cleanup stops a sync still running.
func (s *SharedRoster) Cleanup() error {
	s.stop()
	s.wg.Wait()
	return nil
}

// running reports whether the core lists this plugin among the loaded
// ones, which it does once every plugin has started.
func running(ctx context.Context, host sdk.Host) bool {
	ms, err := host.Manifests(ctx)
	if err != nil {
		return false
	}
	for _, m := range ms {
		if m.Name == "sharedroster" {
			return true
		}
	}
	return false
}

func (s *SharedRoster) state() (sdk.Host, hclog.Logger, *index, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.host, s.log, s.idx, s.maxExtra
}
