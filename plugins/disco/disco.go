// Package disco implements XEP-0030: Service Discovery, for the server and
// for the accounts it hosts, together with the server's contact addresses
// (XEP-0157, as an XEP-0128 extended form) and its entity capabilities
// (XEP-0115).
//
// What the server supports is not configured here: every plugin declares
// its own identities and features in its manifest, and disco aggregates
// them (the core's first) from Host.Manifests. The aggregate is cached,
// computed again when the core reports that the manifests changed (and,
// should that event be lost, once it is older than the refresh interval),
// never per request. Each time, the server's caps are offered anew as a
// stream feature.
package disco

import (
	"context"
	"sync"

	"github.com/switchboard-xmpp/switchboard/plugins/adhoc/adhocapi"
	"github.com/switchboard-xmpp/switchboard/plugins/disco/discoapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces of XEP-0030.
const (
	NSInfo  = "http://jabber.org/protocol/disco#info"
	NSItems = "http://jabber.org/protocol/disco#items"
)

// Disco is the plugin.
type Disco struct {
	mu        sync.Mutex
	host      sdk.Host
	cfg       Config
	gen       int               // counts Configures, so that a late computation is not kept
	cache     *snapshot         // nil until computed
	published string            // the caps feature last offered
	commands  *adhocapi.Listing // adhoc's, as last published; nil when unknown
}

// New returns the plugin.
func New() *Disco { return &Disco{} }

// Describe declares the routes for the server and for accounts. disco
// needs the roster to tell who may see an account's information, asks the
// plugins keeping nodes on accounts for them, and hears from adhoc which
// commands it lists.
func (d *Disco) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { c := defaultConfig(); return &c },
		Name:     "disco",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NSInfo, Types: []string{"get"}, To: sdk.ToServer, Handle: d.serverInfo},
			{Kind: sdk.IQ, Namespace: NSItems, Types: []string{"get"}, To: sdk.ToServer, Handle: d.serverItems},
			{Kind: sdk.IQ, Namespace: NSInfo, Types: []string{"get"}, To: sdk.ToBare, Handle: d.accountInfo},
			{Kind: sdk.IQ, Namespace: NSItems, Types: []string{"get"}, To: sdk.ToBare, Handle: d.accountItems},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.ManifestsChanged, Handle: d.manifestsChanged},
			{Kind: sdk.Published, Topic: commandsTopic, Handle: d.commandsPublished},
		},
		Features:        []string{NSInfo, NSItems},
		AccountFeatures: []string{NSInfo, NSItems},
		Requires:        []string{"roster.items"},
		// Whichever plugins keep nodes on accounts (PEP) list them in
		// the account's disco (account.go).
		Uses: []string{"*." + discoapi.MethodNodes},
	}
}

// Configure decodes the section, drops the cached aggregate and, when the
// core already lists the manifests (on a reload; at start-up they follow
// with a ManifestsChanged), offers the server's caps.
func (d *Disco) Configure(ctx context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	d.mu.Lock()
	d.host, d.cfg, d.cache, d.published = c.Host, cfg, nil, ""
	d.gen++
	d.mu.Unlock()
	if _, err := d.current(ctx); err != nil {
		c.Logger.Debug("manifests not read yet", "error", err)
	}
	return nil
}

// manifestsChanged recomputes the aggregate when a plugin started,
// stopped, restarted or was reconfigured: what the server offers follows
// what runs, and a plugin that a reload disabled leaves disco.
func (d *Disco) manifestsChanged(ctx context.Context, _ sdk.Event) error {
	d.mu.Lock()
	d.cache = nil
	d.mu.Unlock()
	_, err := d.current(ctx)
	return err
}

func (d *Disco) state() (sdk.Host, Config) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.host, d.cfg
}
