package sdk

import (
	"context"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
)

// Plugin is what Serve runs. The lifecycle, written down once:
//
//   - Describe is static and free of side effects. It is called once when
//     the process starts; the manifest the core sees is built from it, so
//     the routes it declares and the handlers that serve them cannot
//     drift apart.
//   - Configure is called after every start of the process and again on
//     every reload (SIGHUP), with the plugin's config section and the
//     Host. It should decode and validate its config (Config.Decode),
//     keep what it needs and return quickly; an error refuses the
//     configuration and names the problem in the server's log.
//   - Cleanup, if the plugin implements CleanerUpper, is called when the
//     core stops the process. It must be safe after a Configure that
//     failed half way, and cannot use the Host, which is already gone.
//
// Handlers, event handlers and methods may run concurrently with each
// other and with a reload's Configure.
type Plugin interface {
	Describe() Description
	Configure(ctx context.Context, c Config) error
}

// CleanerUpper is implemented by a plugin that holds something to release
// when it stops: files, goroutines, connections of its own.
type CleanerUpper interface {
	Cleanup() error
}

// Description is everything a plugin declares about itself.
type Description struct {
	Name    string // the plugin's name, as operators write it in the config
	Version string // free form, shown in logs

	// Routes are the stanzas the plugin handles, each with its handler.
	// The core sends a stanza to the first route that takes it.
	Routes []Route
	// Events are the notifications the plugin wants, with their handlers.
	Events []EventHandler

	// Identities and Features go into the server's disco#info (XEP-0030).
	Identities []Identity
	Features   []string
	// AccountIdentities and AccountFeatures go into the disco#info of
	// every account's bare JID (for example PEP, XEP-0163).
	AccountIdentities []Identity
	AccountFeatures   []string
	// StreamFeatures are elements the core adds to <stream:features/>.
	StreamFeatures []StreamFeature
	// Service, when set, makes the plugin a service that owns a domain
	// (see Service); its ToService routes take the stanzas sent there.
	Service *Service

	// Provides are methods other plugins may call through Host.Call.
	Provides []Method
	// Requires are "plugin.method" names this plugin calls; the core starts
	// their providers first and refuses to start without them.
	Requires []string
	// Uses are "plugin.method" names this plugin calls when their
	// provider happens to be loaded, "*.method" for whichever plugins
	// provide a method of that name (disco asks every "*.nodes"). They
	// create no start-up order; a call to one not loaded fails.
	Uses []string

	// Capabilities are what a plugin asks to be allowed beyond answering
	// its routes and keeping its data, when it runs as a third-party
	// plugin: CapSendAsUsers, CapPreAuth, CapStreamFeatures, CapService,
	// CapCall, CapAccounts, CapSessions, CapFilters, CapObserve. The
	// operator grants them; built-in plugins have them all.
	Capabilities []string

	// Observe, when set, makes the plugin a message archive (XEP-0313):
	// the core stamps a stanza-id (XEP-0359) on every archivable message
	// it delivers and hands copies to Observe in batches, asynchronously,
	// in order. Delivery never waits for it. A stanza from a client reaches
	// the plugin's routes only after Observe has returned for every copy
	// recorded before the stanza was routed: a client that saw a
	// message's stanza-id finds the message when it queries next.
	Observe func(ctx context.Context, b ObservedBatch) error

	// Metrics are the plugin's own, shown on the server's Prometheus
	// endpoint as switchboard_plugin_<name>_<metric> (see Metric). Make
	// them once, in the plugin's constructor, and return the same ones
	// here.
	Metrics []Metric

	// Config, when set, returns a pointer to a new value of the plugin's
	// config type, filled with its defaults: what Configure passes to
	// Config.Decode. `switchboard config check` decodes the operator's
	// section into it, unknown keys, types and Validate included, without
	// starting the server or calling Configure. Without it the plugin's
	// section is not checked before it starts.
	Config func() any

	// OnDemand says the plugin keeps nothing in its process that must
	// outlive a quiet spell: no timers, goroutines or listeners of its
	// own, no state but caches it can fill again. The core may then stop
	// the process once it has had nothing to do for a while (the
	// operator's memory.stop_idle_plugins) and start it again, Configure
	// included, when the next stanza, call or event for it comes; that
	// one waits for the start. A plugin that sets Observe cannot be.
	OnDemand bool
	// Quiet, for a plugin on demand whose process holds state at times
	// (the sessions it tracks, commands under way), reports whether it
	// holds none now: the core asks before it stops an idle plugin, and
	// leaves it running while Quiet says no. Nil is always quiet.
	Quiet func() bool
}

// The capabilities a plugin can ask for.
const (
	CapSendAsUsers    = contract.CapSendAsUsers    // Host.Send with 'from' a local user, not only the server
	CapPreAuth        = contract.CapPreAuth        // routes and stream features served before authentication
	CapStreamFeatures = contract.CapStreamFeatures // Description.StreamFeatures, Host.SetStreamFeatures
	CapService        = contract.CapService        // Description.Service: a domain of its own
	CapCall           = contract.CapCall           // Host.Call: other plugins' methods
	CapAccounts       = contract.CapAccounts       // Host.Accounts, except Exists
	CapSessions       = contract.CapSessions       // AllSessions, EndSession, SetSessionOption
	CapFilters        = contract.CapFilters        // Host.SetFilters
	CapObserve        = contract.CapObserve        // Description.Observe
)

// ObservedBatch is what Observe receives.
type ObservedBatch struct {
	Messages []ObservedMessage
	// Dropped counts messages the core could not queue since the last
	// batch because the plugin fell behind.
	Dropped uint64
}

// ObservedMessage is one archived copy of a message.
type ObservedMessage struct {
	Owner    string    // the account whose archive it belongs to (bare JID)
	StanzaID string    // XEP-0359 stanza-id given for Owner; stanzaid.Time reads when it was made
	With     string    // the other party's bare JID
	Outgoing bool      // Owner sent it
	Time     time.Time // when the server routed it
	Stanza   []byte    // the message, serialized, from stamped
}

// Identity is a disco identity (XEP-0030 §3.1).
type Identity struct {
	Category, Type, Name string
}

// Stage is when a stream feature is offered.
type Stage int

// Stages of stream negotiation.
const (
	StagePreAuth  Stage = 1 // after TLS, before SASL
	StagePostAuth Stage = 2 // after SASL, beside resource binding
)

// StreamFeature is an element offered in <stream:features/>.
type StreamFeature struct {
	// XML is the feature element with its namespace declared, for
	// example `<register xmlns='http://jabber.org/features/iq-register'/>`.
	XML   string
	Stage Stage
}

// Method is a function a plugin offers to other plugins. Payloads are
// opaque bytes; the two plugins agree on their encoding (JSON, usually).
// A *stanza.Error it returns reaches the caller as one.
type Method struct {
	Name   string
	Handle func(ctx context.Context, caller string, payload []byte) ([]byte, error)
}

// EventKind is a kind of notification from the core.
type EventKind int

// Events a plugin can ask for.
const (
	SessionBound     EventKind = 1 // a resource was bound; JID is the full JID
	SessionAvailable EventKind = 2 // a session sent its initial presence; Stanza is that presence
	SessionClosed    EventKind = 3 // a session ended for any reason; JID is the full JID
	AccountCreated   EventKind = 4 // an account was created; JID is the bare JID
	AccountDeleted   EventKind = 5 // an account was deleted: remove its data; JID is the bare JID
	// Published is a notification another plugin published with
	// Host.Publish; the handler's Topic says which ("roster.changed").
	// Subscribing creates no start-up order, so two plugins may notify
	// each other.
	Published EventKind = 6
	// ManifestsChanged: plugins started, stopped, restarted or were
	// reconfigured; Host.Manifests has changed (disco listens to this).
	ManifestsChanged EventKind = 7
	// SessionPresence: an available session broadcast presence again
	// (new show, status, priority or capabilities) or went unavailable
	// without closing; Stanza is that presence. Initial presence is
	// SessionAvailable; after an unavailable one, the next available one
	// is initial again.
	SessionPresence EventKind = 8
	// MessageHeld: a chat or normal message reached the account (JID,
	// bare) while none of its sessions is attached: every one it went to
	// waits for its client to resume it (XEP-0198), so nobody has seen it.
	// Stanza is the message as delivered. Push notifications (XEP-0357)
	// wake a phone on it.
	MessageHeld EventKind = 9
	// SessionResumed: a client resumed a session that waited for it
	// (XEP-0198); it is back with its old presence, without a new
	// initial one. JID is the full JID.
	SessionResumed EventKind = 10
	// SessionElsewhere: in a cluster, a session that another node holds
	// became available, changed its broadcast presence, went unavailable
	// or ended. Stanza is the presence it broadcasts while available, nil
	// otherwise. The node holding it has acted on the change (its plugins
	// got the events above): this one is for what a plugin keeps in memory
	// of who is online, as presence does to answer probes and reach
	// contacts on every node. A single server never sends it.
	SessionElsewhere EventKind = 11
)

// EventHandler handles one kind of event. Its errors follow the rules of
// a Handler's; the core logs them, there is no one to reply to.
type EventHandler struct {
	Kind EventKind
	// Topic is "plugin.topic", for Kind Published only.
	Topic  string
	Handle func(ctx context.Context, ev Event) error
}

// Event is a notification from the core.
type Event struct {
	Kind      EventKind
	JID       string
	SessionID string         // for session events
	Stanza    *etree.Element // the presence for SessionAvailable and SessionPresence; the last broadcast presence (if any) for SessionClosed; the message for MessageHeld
	Topic     string         // "plugin.topic", for Published
	Payload   []byte         // as published, for Published
	// Elsewhere, for Published: a plugin of another node of the cluster
	// published it. A plugin that acts on its own changes where it makes
	// them (roster pushes to the sessions it knows) subscribes to its own
	// topic and acts on these only.
	Elsewhere bool
}
