// Package pep implements XEP-0163: Personal Eventing Protocol — a
// publish-subscribe service (the XEP-0060 subset that clients use) on
// every account's bare JID. Clients keep their avatar (XEP-0084), their
// bookmarks (XEP-0402), their OMEMO keys and their nickname (XEP-0172)
// there, and the server tells every interested resource of each change.
//
// Who hears of a change follows from presence: the account's own
// resources and the contacts that receive its presence, each only if its
// client advertises "<node>+notify" in its entity capabilities (XEP-0115).
// The plugin learns each session's capabilities from its initial
// presence, asking the client once per unknown verification string and
// caching the answer by that string for every session that shows it.
// Subscription state is the roster plugin's: it is read once per online
// account through roster.items and kept current from roster.changed.
package pep

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/disco/discoapi"
	"github.com/switchboard-xmpp/switchboard/plugins/pep/pepapi"
	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces of XEP-0060 and what they lean on.
const (
	NS       = "http://jabber.org/protocol/pubsub"
	NSOwner  = NS + "#owner"
	NSEvent  = NS + "#event"
	NSErrors = NS + "#errors"

	nsData  = "jabber:x:data"
	nsDisco = "http://jabber.org/protocol/disco#info"
	nsDelay = "urn:xmpp:delay"
	nsRSM   = "http://jabber.org/protocol/rsm"
)

// accountFeatures are the XEP-0060 features the plugin implements, as an
// account's disco#info lists them. Nothing here is advertised that does
// not work; see the README for what each one covers.
var accountFeatures = []string{
	NS,
	NS + "#access-open",
	NS + "#access-presence",
	NS + "#access-roster",
	NS + "#access-whitelist",
	NS + "#auto-create",
	NS + "#auto-subscribe",
	NS + "#config-node",
	NS + "#config-node-max",
	NS + "#create-and-configure",
	NS + "#create-nodes",
	NS + "#delete-items",
	NS + "#delete-nodes",
	NS + "#filtered-notifications",
	NS + "#item-ids",
	NS + "#last-published",
	NS + "#multi-items",
	NS + "#persistent-items",
	NS + "#presence-subscribe",
	NS + "#publish",
	NS + "#publish-options",
	NS + "#purge-nodes",
	NS + "#retract-items",
	NS + "#retrieve-default",
	NS + "#retrieve-items",
	NS + "#subscribe",
}

// PEP is the plugin.
type PEP struct {
	mu   sync.Mutex
	host sdk.Host
	log  hclog.Logger
	cfg  Config
	// accounts are the accounts with a session that sent initial
	// presence: their sessions' capabilities and their roster.
	accounts map[string]*account
	caps     capsCache
	// resolving are the verification strings being asked about, each
	// with the sessions waiting for the answer.
	resolving map[string][]sessionRef

	locks ownerLocks // one writer per account's nodes at a time

	// bg outlives requests: capability queries run on it after the event
	// that started them has returned. Cleanup cancels it and waits.
	bg       context.Context
	stop     context.CancelFunc
	worker   sync.WaitGroup
	inflight atomic.Int32 // background tasks running, for tests to wait on
}

// New returns the plugin.
func New() *PEP {
	bg, stop := context.WithCancel(context.Background())
	return &PEP{
		log:       hclog.NewNullLogger(),
		cfg:       defaultConfig(),
		accounts:  map[string]*account{},
		caps:      newCapsCache(defaultConfig().CapsCacheSize),
		resolving: map[string][]sessionRef{},
		bg:        bg,
		stop:      stop,
	}
}

// Describe declares the two pubsub namespaces on accounts, the events
// that tell who is online with which capabilities, and the roster method
// that tells who may see what.
func (p *PEP) Describe() sdk.Description {
	getSet := []string{"get", "set"}
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "pep",
		Version: sdk.BuildVersion(),
		// Its process holds state only while sessions use it: Quiet.
		OnDemand: true,
		Quiet:    p.quiet,
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: getSet, To: sdk.ToBare, Handle: p.handlePubsub},
			{Kind: sdk.IQ, Namespace: NSOwner, Types: getSet, To: sdk.ToBare, Handle: p.handleOwner},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionAvailable, Handle: p.sessionAvailable},
			{Kind: sdk.SessionPresence, Handle: p.sessionPresence},
			{Kind: sdk.SessionClosed, Handle: p.sessionClosed},
			{Kind: sdk.AccountDeleted, Handle: p.accountDeleted},
			{Kind: sdk.Published, Topic: rosterapi.Plugin + "." + rosterapi.TopicChanged, Handle: p.rosterChanged},
		},
		// XEP-0163 §7.1: a PEP service shows pubsub/pep on the account; the
		// server's own disco#info shows it too, as the seed's server does,
		// for clients that look there.
		Identities:        []sdk.Identity{{Category: "pubsub", Type: "pep"}},
		Features:          []string{NS, NSOwner, NS + "#publish"},
		AccountIdentities: []sdk.Identity{{Category: "pubsub", Type: "pep"}},
		AccountFeatures:   append(slices.Clone(accountFeatures), bookmarkFeatures...),
		Provides: []sdk.Method{
			{Name: discoapi.MethodNodes, Handle: p.methodNodes},
			{Name: pepapi.MethodLegacyBookmarks, Handle: p.methodLegacyBookmarks},
			{Name: pepapi.MethodSetLegacy, Handle: p.methodSetLegacy},
		},
		Requires: []string{"roster.items"},
	}
}

// Configure decodes the section and keeps the Host; in the background, it
// learns the interests of sessions it has not seen come online, as after
// a restart of the plugin (see recoverSessions).
func (p *PEP) Configure(_ context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	p.mu.Lock()
	p.host, p.log, p.cfg = c.Host, c.Logger, cfg
	p.caps.resize(cfg.CapsCacheSize)
	p.mu.Unlock()
	p.spawn(p.recoverSessions)
	return nil
}

// Cleanup stops the capability queries still running.
func (p *PEP) Cleanup() error {
	p.stop()
	p.worker.Wait()
	return nil
}

// env returns what a request needs, read under the lock once.
func (p *PEP) env() (sdk.Host, Config, hclog.Logger) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host, p.cfg, p.log
}

// quiet reports whether pep tracks no account's sessions and runs no
// capability query: the process may then be stopped when idle
// (Description.Quiet).
func (p *PEP) quiet() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.accounts) == 0 && len(p.resolving) == 0 && p.inflight.Load() == 0
}
