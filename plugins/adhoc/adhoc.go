// Package adhoc implements XEP-0050: Ad-Hoc Commands at the server, with
// the service administration commands of XEP-0133 that an operator
// expects: adding, deleting and changing the password of accounts,
// counting and listing users, ending sessions and announcing to everyone
// online. Only the configured admins may list or run them. Every account
// may run Ping, as with Prosody and ejabberd.
//
// The commands are listed by disco (disco#items of the server, node
// http://jabber.org/protocol/commands), which owns the disco routes: this
// plugin publishes the list, with who may see each command, on its
// commands topic whenever it is configured or the loaded plugins change.
package adhoc

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/plugins/adhoc/adhocapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces.
const (
	NS      = "http://jabber.org/protocol/commands" // XEP-0050
	NSAdmin = "http://jabber.org/protocol/admin"    // XEP-0133: node prefix and FORM_TYPE
)

// AdHoc is the plugin.
type AdHoc struct {
	commands []command // fixed by New

	mu       sync.Mutex
	host     sdk.Host
	admins   map[string]bool // prepared bare JIDs
	timeout  time.Duration
	sessions map[string]*session // by session id
}

// New returns the plugin.
func New() *AdHoc {
	return &AdHoc{commands: slices.Concat(adminCommands(), userCommands()), timeout: defaultConfig().SessionTimeout, sessions: map[string]*session{}}
}

// Describe declares the command route, the disco feature and the event
// on which the listing is published again.
func (a *AdHoc) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "adhoc",
		Version: sdk.BuildVersion(),
		// Its process holds state only while sessions use it: Quiet.
		OnDemand: true,
		Quiet:    a.quiet,
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"set"}, To: sdk.ToServer, Handle: a.handleCommand},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.ManifestsChanged, Handle: a.manifestsChanged},
		},
		Features: []string{NS},
	}
}

// Configure decodes the admins and the timeout, and publishes the
// listing. At start-up nobody is subscribed yet: the ManifestsChanged that
// follows the start publishes it again.
func (a *AdHoc) Configure(ctx context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	admins, err := cfg.admins(c.Domain)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.host, a.admins, a.timeout = c.Host, admins, cfg.SessionTimeout
	a.mu.Unlock()
	if err := a.publish(ctx); err != nil {
		c.Logger.Warn("publishing the list of commands", "error", err)
	}
	return nil
}

// manifestsChanged publishes the listing again: disco may have just
// started, and forgets it when it restarts.
func (a *AdHoc) manifestsChanged(ctx context.Context, _ sdk.Event) error {
	return a.publish(ctx)
}

// publish sends the listing: the commands the Host can serve, each with
// who may run them: everyone, or the admins alone.
func (a *AdHoc) publish(ctx context.Context) error {
	host, admins := a.state()
	jids := make([]string, 0, len(admins))
	for j := range admins {
		jids = append(jids, j)
	}
	slices.Sort(jids)
	l := adhocapi.Listing{Commands: []adhocapi.ListedCommand{}}
	for _, c := range a.commands {
		switch {
		case !c.available(host):
		case c.everyone:
			l.Commands = append(l.Commands, adhocapi.ListedCommand{Node: c.node, Name: c.name, JIDs: []string{}, Everyone: true})
		default:
			l.Commands = append(l.Commands, adhocapi.ListedCommand{Node: c.node, Name: c.name, JIDs: jids})
		}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encoding the list of commands: %w", err)
	}
	return host.Publish(ctx, adhocapi.TopicCommands, "", b)
}

func (a *AdHoc) state() (sdk.Host, map[string]bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.host, a.admins
}

// quiet reports whether no command waits for its form: the process may
// then be stopped when idle (Description.Quiet).
func (a *AdHoc) quiet() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for _, s := range a.sessions {
		if now.Before(s.expires) {
			return false
		}
	}
	return true
}
