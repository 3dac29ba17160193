// Package last implements XEP-0012: Last Activity, for the server (its
// uptime) and for accounts (how long ago they logged out).
//
// A request to a full JID asks a client how long its user has been idle;
// that is the client's to answer and never reaches this plugin.
package last

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NS is the namespace of XEP-0012.
const NS = "jabber:iq:last"

// Last is the plugin.
type Last struct {
	now func() time.Time // the clock; fixed by tests

	mu      sync.Mutex
	host    sdk.Host
	started time.Time // the first Configure of this process
}

// New returns the plugin.
func New() *Last { return &Last{now: time.Now} }

// Describe declares the server and account routes, and the event that
// records logouts. Who may see an account's last activity depends on its
// roster.
func (l *Last) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { return &Config{} },
		Name:     "last",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToServer, Handle: l.uptime},
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToBare, Handle: l.account},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionClosed, Handle: l.loggedOut},
			{Kind: sdk.AccountDeleted, Handle: l.forget},
		},
		Features: []string{NS},
		Requires: []string{"roster.items"},
	}
}

// Configure checks that the section is empty and, the first time, starts
// the uptime clock: the plugin starts with the server, and a reload does
// not restart the server.
func (l *Last) Configure(_ context.Context, c sdk.Config) error {
	var cfg Config
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.host = c.Host
	if l.started.IsZero() {
		l.started = l.now()
	}
	return nil
}

func (l *Last) state() (sdk.Host, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.host, l.started
}
