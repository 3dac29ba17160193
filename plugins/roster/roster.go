// Package roster implements the roster of RFC 6121 §2 with versioning
// (XEP-0237), and the subscription state that RFC 6121 §3 and Appendix A
// define, which the presence plugin changes through this plugin's
// methods.
//
// The roster is the one writer of roster items. Others read them through
// the items method and follow them through the changed topic; presence
// asks the subscription method to apply a subscription stanza to both
// sides (both users are local) and delivers what it returns. A plugin that
// puts items in rosters on the server's own account (sharedroster) hands
// them to the managed method, which keeps them apart from the items the
// owner added.
package roster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces.
const (
	NS          = "jabber:iq:roster"            // RFC 6121 §2
	NSVersion   = "urn:xmpp:features:rosterver" // RFC 6121 §2.6, XEP-0237: the stream feature
	TopicChange = rosterapi.TopicChanged        // published on every change of a roster
)

// Roster is the plugin.
type Roster struct {
	locks keyLocks // serialises the writes to each owner's roster
	cache readCache

	mu   sync.Mutex
	host sdk.Host
	log  hclog.Logger
	cfg  Config
	// interested are the resources that asked for the roster in their
	// session, which get roster pushes (RFC 6121 §2.1.6): owner → session
	// id → full JID. Forgotten when the session closes.
	interested map[string]map[string]string

	pushPrefix string // random, so that push ids differ across restarts
	pushSeq    atomic.Uint64
}

// New returns the plugin.
func New() *Roster {
	var b [3]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return &Roster{
		cache:      newReadCache(time.Now),
		interested: map[string]map[string]string{},
		log:        hclog.NewNullLogger(),
		cfg:        defaultConfig(),
		pushPrefix: "push" + hex.EncodeToString(b[:]) + "-",
	}
}

// Describe declares the roster IQ route, the versioning stream feature,
// the methods presence, privacy and sharedroster use, and the session and
// account events.
func (r *Roster) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "roster",
		Version: sdk.BuildVersion(),
		// Its process holds state only while sessions use it: Quiet.
		OnDemand: true,
		Quiet:    r.quiet,
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get", "set"}, To: sdk.ToBare, Handle: r.handleIQ},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionClosed, Handle: r.sessionClosed},
			{Kind: sdk.AccountDeleted, Handle: r.accountDeleted},
			{Kind: sdk.Published, Topic: rosterapi.Plugin + "." + TopicChange, Handle: r.changedElsewhere},
		},
		Features:       []string{NS},
		StreamFeatures: []sdk.StreamFeature{{XML: "<ver xmlns='" + NSVersion + "'/>", Stage: sdk.StagePostAuth}},
		Provides: []sdk.Method{
			{Name: rosterapi.MethodItems, Handle: r.methodItems},
			{Name: rosterapi.MethodManaged, Handle: r.methodManaged},
			{Name: rosterapi.MethodPending, Handle: r.methodPending},
			{Name: rosterapi.MethodSubscription, Handle: r.methodSubscription},
		},
	}
}

// Configure decodes the limits and keeps the Host.
func (r *Roster) Configure(_ context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	r.mu.Lock()
	r.host, r.log, r.cfg = r.cache.host(c.Host), c.Logger, cfg
	r.mu.Unlock()
	return nil
}

// env is what one request needs from the plugin's configuration, read
// once under the lock.
func (r *Roster) env() (sdk.Host, hclog.Logger, Config) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.host, r.log, r.cfg
}

// quiet reports whether no session waits for roster pushes: the process
// may then be stopped when idle (Description.Quiet).
func (r *Roster) quiet() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.interested) == 0
}
