// Package presence implements presence as RFC 6121 §3–4 defines it:
// subscription requests and answers between accounts, presence broadcast
// to subscribers with probes answered at login, directed presence, and
// the unavailable presence that every ending session owes its contacts.
//
// Subscription state is the roster plugin's: presence asks it to apply
// each subscription stanza (method subscription) and delivers what it
// returns. Who is subscribed to whom is kept here in memory for every
// online account, loaded once through roster's items method and kept
// current by its changed topic, so that no broadcast calls roster.
package presence

import (
	"context"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces.
const (
	NSPreApproval = "urn:xmpp:features:pre-approval" // RFC 6121 §3.4: the stream feature
	NSDelay       = "urn:xmpp:delay"                 // XEP-0203: the last-seen stamp of an offline contact
)

// Presence is the plugin.
type Presence struct {
	mu   sync.Mutex
	host sdk.Host
	log  hclog.Logger
	cfg  Config
	// users are the accounts with a session presence has heard of.
	users map[string]*account
	// lastSeen caches the stored last-seen records, so that a login does
	// not read the store once per offline contact every time.
	lastSeen map[string]lastSeen
}

// New returns the plugin.
func New() *Presence {
	return &Presence{
		log:      hclog.NewNullLogger(),
		cfg:      defaultConfig(),
		users:    map[string]*account{},
		lastSeen: map[string]lastSeen{},
	}
}

var subscriptionTypes = []string{"subscribe", "subscribed", "unsubscribe", "unsubscribed"}

// Describe declares the presence routes, the pre-approval stream feature,
// the events and the roster methods presence calls.
func (p *Presence) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "presence",
		Version: sdk.BuildVersion(),
		// Its process holds state only while sessions use it: Quiet.
		OnDemand: true,
		Quiet:    p.quiet,
		Routes: []sdk.Route{
			{Kind: sdk.Presence, To: sdk.Broadcast, Types: []string{"available", "unavailable"}, Handle: p.handleBroadcast},
			{Kind: sdk.Presence, To: sdk.ToBare, Types: subscriptionTypes, Handle: p.handleSubscription},
			{Kind: sdk.Presence, To: sdk.ToBare, Types: []string{"probe"}, Handle: p.handleProbe},
			{Kind: sdk.Presence, To: sdk.ToBare, Types: []string{"available", "unavailable"}, Handle: p.handleDirected},
			{Kind: sdk.Presence, To: sdk.ToFull, Types: []string{"available", "unavailable"}, Handle: p.handleDirected},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionClosed, Handle: p.sessionClosed},
			{Kind: sdk.SessionElsewhere, Handle: p.sessionElsewhere},
			{Kind: sdk.AccountDeleted, Handle: p.accountDeleted},
			{Kind: sdk.Published, Topic: rosterapi.Plugin + "." + rosterapi.TopicChanged, Handle: p.rosterChanged},
		},
		StreamFeatures: []sdk.StreamFeature{{XML: "<sub xmlns='" + NSPreApproval + "'/>", Stage: sdk.StagePostAuth}},
		Requires:       []string{"roster.items", "roster.pending", "roster.subscription"},
	}
}

// Configure decodes the section, keeps the Host and learns of the
// sessions that were online before the plugin started (see recover).
func (p *Presence) Configure(ctx context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	p.mu.Lock()
	p.host, p.log, p.cfg = c.Host, c.Logger, cfg
	p.mu.Unlock()
	return p.recover(ctx)
}

// env returns the Host and logger under the lock, for use without it.
func (p *Presence) env() (sdk.Host, hclog.Logger) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host, p.log
}

// quiet reports whether presence tracks no session, here or elsewhere in a
// cluster: its process may then be stopped when idle (Description.Quiet).
func (p *Presence) quiet() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.users) == 0
}
