package sdk

import (
	"context"
	"errors"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Host is the core, as a plugin sees it. Every call is scoped to the
// calling plugin. An error that carries a stanza error — a method another
// plugin provides returned one, an account already exists — is (or wraps)
// a *stanza.Error, so errors.As finds it and a handler can return it as is.
type Host interface {
	// Send routes a stanza as if the server had sent it; 'from' must be
	// the domain or a local JID (see NewMessage).
	Send(ctx context.Context, stanza *etree.Element) error
	// SendBatch routes several stanzas, in order, in one call to the core:
	// a presence broadcast, a page of archive results. The core checks them
	// all before routing any, so a batch with a bad stanza is refused
	// whole.
	SendBatch(ctx context.Context, stanzas []*etree.Element) error
	// SendIQ sends an IQ get or set to a full JID and waits for its answer
	// (until ctx's deadline, or the core's call timeout). An IQ without an
	// id is given one. An answer of type error comes back both as the
	// stanza and as a *stanza.Error; no answer at all is a
	// remote-server-timeout or recipient-unavailable *stanza.Error.
	SendIQ(ctx context.Context, iq *etree.Element) (*etree.Element, error)
	// Sessions lists the online resources of an account.
	Sessions(ctx context.Context, bare string) ([]Session, error)
	// AllSessions lists every bound session of the domain.
	AllSessions(ctx context.Context) ([]Session, error)
	// EndSession closes a session (full JID) or every session of an
	// account (bare JID), with a policy-violation stream error.
	EndSession(ctx context.Context, jid string) error
	// Store is the plugin's key/value storage for owner: an account's bare
	// JID, or "" for server-wide data.
	Store(owner string) Store
	// StoreBatch applies puts and deletes for any owners atomically, in
	// order, in one transaction. A batch carries at most MaxStoreBatchBytes
	// of keys and values.
	StoreBatch(ctx context.Context, ops []StoreOp) error
	// Accounts manages the accounts of the served (primary) domain.
	Accounts() Accounts
	// AccountsOf manages the accounts of one hosted domain.
	AccountsOf(domain string) Accounts
	// Hosts reports whether the server hosts domain (one of
	// Config.Domains): its users are local, not on another server.
	Hosts(domain string) bool
	// SetFilters replaces the delivery rules this plugin installed for
	// owner; the core evaluates them in memory on every stanza, first
	// match wins. No rules clears them.
	SetFilters(ctx context.Context, owner string, rules []FilterRule) error
	// Manifests lists what every loaded plugin declares, this one included.
	Manifests(ctx context.Context) ([]Manifest, error)
	// Call runs a method another plugin provides. The method must be listed
	// as "plugin.method" in this plugin's Requires or Uses (or match a
	// "*.method" of Uses).
	Call(ctx context.Context, plugin, method string, payload []byte) ([]byte, error)
	// Publish notifies, asynchronously, every plugin with a Published event
	// handler for "<this plugin>.<topic>"; jid names the account it is
	// about, if any.
	Publish(ctx context.Context, topic, jid string, payload []byte) error
	// SetStreamFeatures replaces the stream features offered in addition
	// to the static ones of the Description: those that depend on the
	// configuration (registration when enabled) or on other plugins. Call
	// it from Configure; a restarted plugin's features start empty.
	SetStreamFeatures(ctx context.Context, features []StreamFeature) error
	// SetSessionOption switches a delivery option of one session (by full
	// JID), which the core then applies without asking the plugin again:
	// "carbons" (XEP-0280 copies of the account's chat messages).
	SetSessionOption(ctx context.Context, jid, option string, enabled bool) error
	// Domain is the served domain.
	Domain() string
	// Logger is the plugin's logger.
	Logger() hclog.Logger
}

// Session is an online resource.
type Session struct {
	JID       string // full JID
	SessionID string
	Available bool // has sent available presence
	Priority  int
	// Presence is the presence the session last broadcast, 'from' its full
	// JID, while Available: what a plugin that restarted needs to know of
	// sessions online before it.
	Presence *etree.Element
	// Elsewhere: in a cluster, another node holds the session (see
	// SessionElsewhere).
	Elsewhere bool
}

// ErrNotFound is returned by Store.Get for a key that has no value.
var ErrNotFound = errors.New("sdk: not found")

// Store is key/value storage scoped to the plugin and one owner. Keys sort
// bytewise, so a key scheme such as "item/<id>" scans in order.
type Store interface {
	// Get returns the value of key, or an error wrapping ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Scan returns the entries whose keys start with prefix, in key order
	// (descending when reverse), starting after the key after ("" for the
	// first; when reverse, before it), at most limit of them (0: all).
	Scan(ctx context.Context, prefix, after string, limit int, reverse bool) ([]KV, error)
}

// MaxStoreBatchBytes bounds one StoreBatch, keys, values and owners
// counted: half of what the core accepts in one message from a plugin
// (pluginv1.MaxMessageBytes), leaving room for the encoding.
const MaxStoreBatchBytes = pluginv1.MaxMessageBytes / 2

// StoreOp is one write of a StoreBatch: a put, or a delete when Delete
// is set.
type StoreOp struct {
	Owner, Key string
	Value      []byte
	Delete     bool
}

// KV is one entry of a Scan.
type KV struct {
	Key   string
	Value []byte
}

// Accounts manages the accounts of the served domain, by username (the
// localpart). Create on an existing account fails with a conflict
// *stanza.Error; Delete and SetPassword on a missing one with
// item-not-found. Deleting an account ends its sessions and sends
// AccountDeleted to every plugin that asked for it.
type Accounts interface {
	Exists(ctx context.Context, username string) (bool, error)
	Create(ctx context.Context, username, password string) error
	Delete(ctx context.Context, username string) error
	SetPassword(ctx context.Context, username, password string) error
	// List returns the usernames of the domain in byte order.
	List(ctx context.Context) ([]string, error)
}

// FilterAction is what a matching rule does.
type FilterAction int

// Filter actions.
const (
	Allow FilterAction = 1
	Deny  FilterAction = 2
)

// FilterStanza is a set of stanza kinds and directions, as bits.
type FilterStanza uint32

// The bits of FilterStanza; 0 means every kind and direction.
const (
	MessageIn   FilterStanza = 1
	MessageOut  FilterStanza = 2
	IQIn        FilterStanza = 4
	PresenceIn  FilterStanza = 8
	PresenceOut FilterStanza = 16
	// Subscription requests and answers, which XEP-0016's presence-in and
	// presence-out do not cover.
	SubscriptionIn  FilterStanza = 32
	SubscriptionOut FilterStanza = 64
	IQOut           FilterStanza = 128
)

// FilterRule is one resolved privacy rule (XEP-0016, XEP-0191): groups and
// subscription states are turned into JIDs before the rule is installed.
type FilterRule struct {
	Action FilterAction
	// JID is the peer the rule matches: a full JID, a bare JID or a domain,
	// compared as XEP-0016 §2.1 says; "" matches every peer.
	JID     string
	Stanzas FilterStanza // 0: all
	// ReportBlocked answers a message the owner sends to a denied peer with
	// not-acceptable and <blocked xmlns='urn:xmpp:blocking:errors'/>
	// (XEP-0191).
	ReportBlocked bool
}
