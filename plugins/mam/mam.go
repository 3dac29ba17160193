// Package mam implements XEP-0313: Message Archive Management, with the
// preferences of XEP-0441 and the paging of XEP-0059.
//
// The core hands the plugin a copy of every chat or normal message with a
// body, in asynchronous batches (sdk.Description.Observe), after stamping
// the recipient's copy with a stanza-id (XEP-0359): delivery never waits
// for the archive. The plugin keeps one archive per account, ordered by
// time, and answers the account's queries, which page through it by time,
// peer and id.
package mam

import (
	"context"
	"strings"
	"sync"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Namespaces and disco features.
const (
	NS               = "urn:xmpp:mam:2"                 // XEP-0313
	NSExtended       = NS + "#extended"                 // before-id, after-id, ids, flip-page, metadata
	NSGroupchatField = NS + "#groupchat-field"          // include-groupchat is understood
	NSStanzaID       = "urn:xmpp:sid:0"                 // XEP-0359, stamped by the core
	nsRSM            = "http://jabber.org/protocol/rsm" // XEP-0059
	nsData           = "jabber:x:data"                  // XEP-0004
	nsForward        = "urn:xmpp:forward:0"             // XEP-0297
	nsDelay          = "urn:xmpp:delay"                 // XEP-0203
	nsHints          = "urn:xmpp:hints"                 // XEP-0334
	nsClient         = "jabber:client"
)

// MAM is the plugin.
type MAM struct {
	settings sdk.Settings[Config]

	observing sync.Mutex // one batch at a time, in the order they come
	owners    ownerCache
	janitor   janitor
	groupMax  int // messages in one record of the index by peer; tests make it small
}

// New returns the plugin.
func New() *MAM { return &MAM{owners: newOwnerCache(), groupMax: groupMax} }

// Describe declares the archive: the observer, the one IQ route for
// queries, preferences and metadata, the account features, and the roster
// method that the 'roster' preference needs.
func (m *MAM) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "mam",
		Version: sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get", "set"}, To: sdk.ToBare, Handle: m.handleIQ},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.AccountDeleted, Handle: m.forget},
		},
		// XEP-0313 §7: the archive is advertised on the account's bare JID.
		AccountFeatures: []string{NS, NSExtended, NSGroupchatField, NSStanzaID},
		// And, as ejabberd does, on the server's domain, the only place
		// where some clients (profanity) look for it. The domain keeps no
		// archive of its own: queries go to the account.
		Features: []string{NS},
		Requires: []string{"roster.items"},
		Observe:  m.observe,
	}
}

// Configure decodes the section and (re)starts the retention cleanup.
func (m *MAM) Configure(_ context.Context, c sdk.Config) error {
	c.Host = m.owners.watch(c.Host)
	cfg, err := m.settings.Configure(c, defaultConfig())
	if err != nil {
		return err
	}
	m.owners.prefs.Clear() // what was read may be the old default preference
	if cfg.Retention > 0 {
		m.janitor.start(cfg.CleanupInterval, m.cleanup)
	} else {
		m.janitor.stop()
	}
	return nil
}

// Cleanup stops the retention cleanup; safe when it never started.
func (m *MAM) Cleanup() error {
	m.janitor.stop()
	return nil
}

// bareOf strips the resource; the core has prepared the JID.
func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}
