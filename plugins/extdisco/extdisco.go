// Package extdisco implements XEP-0215: External Service Discovery, for
// the STUN and TURN servers that audio and video calls need behind NAT.
//
// The operator lists the servers; a logged-in user asks the server for
// them and gets, for each TURN server, credentials valid for a while,
// made with the secret the TURN server shares (coturn's use-auth-secret).
// The plugin keeps no data: credentials are computed, never stored.
package extdisco

import (
	"context"
	"crypto/rand"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NS is the namespace of XEP-0215, version 2.
const NS = "urn:xmpp:extdisco:2"

// ExtDisco is the plugin.
type ExtDisco struct {
	mu         sync.Mutex // guards everything below it
	host       sdk.Host
	log        hclog.Logger
	domain     string
	cfg        Config
	configured bool // a first Configure has run: later ones are reloads
	// asked holds the sessions that asked for services, by full JID:
	// they get a push when a reload changes what they asked for.
	// Forgotten when the session closes.
	asked map[string]interest

	pushPrefix string // random, so that push ids differ across restarts
	pushSeq    atomic.Uint64
}

// interest is what one session asked for.
type interest struct {
	sessionID string
	typ       string // the type filter; "" for every service
}

// New returns the plugin.
func New() *ExtDisco {
	return &ExtDisco{
		log:        hclog.NewNullLogger(),
		cfg:        defaultConfig(),
		asked:      map[string]interest{},
		pushPrefix: "extdisco-" + rand.Text()[:8] + "-",
	}
}

// Describe declares the route for both requests, services and
// credentials, the event that ends a session's interest, and the disco
// feature.
func (e *ExtDisco) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "extdisco",
		Version: sdk.BuildVersion(),
		// Its process holds state only while sessions use it: Quiet.
		OnDemand: true,
		Quiet:    e.quiet,
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToServer, Handle: e.handle},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionClosed, Handle: e.sessionClosed},
		},
		Features: []string{NS},
	}
}

// Configure decodes the services. On a reload, the sessions that asked
// for services are told what changed (XEP-0215 §3.2 pushes).
func (e *ExtDisco) Configure(ctx context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	log := c.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if len(cfg.Services) == 0 {
		log.Warn("no STUN or TURN service configured: clients are told of none, and their calls fail behind NAT; list them under plugins.extdisco.config.services")
	}
	e.mu.Lock()
	old, reload := e.cfg, e.configured
	e.host, e.log, e.domain, e.cfg, e.configured = c.Host, log, c.Domain, cfg, true
	targets := make(map[string]interest, len(e.asked))
	for full, in := range e.asked {
		targets[full] = in
	}
	e.mu.Unlock()
	if reload {
		e.push(ctx, targets, changes(old, cfg))
	}
	return nil
}

func (e *ExtDisco) state() (sdk.Host, hclog.Logger, string, Config) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.host, e.log, e.domain, e.cfg
}

func (e *ExtDisco) remember(full, sessionID, typ string) {
	e.mu.Lock()
	e.asked[full] = interest{sessionID: sessionID, typ: typ}
	e.mu.Unlock()
}

// sessionClosed forgets the session, unless a newer session with the same
// full JID asked since.
func (e *ExtDisco) sessionClosed(_ context.Context, ev sdk.Event) error {
	e.mu.Lock()
	if in, ok := e.asked[ev.JID]; ok && (ev.SessionID == "" || in.sessionID == ev.SessionID) {
		delete(e.asked, ev.JID)
	}
	e.mu.Unlock()
	return nil
}

func (e *ExtDisco) pushID() string {
	return e.pushPrefix + strconv.FormatUint(e.pushSeq.Add(1), 36)
}

// quiet reports whether no session waits for pushes of changed services:
// the process may then be stopped when idle (Description.Quiet).
func (e *ExtDisco) quiet() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.asked) == 0
}
