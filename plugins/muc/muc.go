// Package muc implements XEP-0045: Multi-User Chat, as a service that owns
// a domain of its own (conference.DOMAIN unless plugins.muc.domain names
// another). Rooms live in this process; what must outlive it — rooms,
// their affiliations and configuration, who is in them, and their messages
// — is kept in the host's store, so that a restarted plugin rebuilds its
// rooms with their occupants (see load.go).
package muc

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanzaid"
)

// Namespaces.
const (
	NS            = "http://jabber.org/protocol/muc"
	NSUser        = "http://jabber.org/protocol/muc#user"
	NSAdmin       = "http://jabber.org/protocol/muc#admin"
	NSOwner       = "http://jabber.org/protocol/muc#owner"
	NSStable      = "http://jabber.org/protocol/muc#stable_id"
	NSSelfPingOpt = "http://jabber.org/protocol/muc#self-ping-optimization"
	nsDiscoInfo   = "http://jabber.org/protocol/disco#info"
	nsDiscoItems  = "http://jabber.org/protocol/disco#items"
	nsPing        = "urn:xmpp:ping"
	nsStanzaID    = "urn:xmpp:sid:0"
	nsOccupantID  = "urn:xmpp:occupant-id:0"
	nsDelay       = "urn:xmpp:delay"
	nsData        = "jabber:x:data"
	nsMAM         = "urn:xmpp:mam:2"
	nsVCard       = "vcard-temp"
	nsVersion     = "jabber:iq:version"
	nsTime        = "urn:xmpp:time"
)

// MUC is the plugin.
type MUC struct {
	mu     sync.Mutex
	host   sdk.Host
	cfg    Config
	domain string // the service domain
	log    hclog.Logger
	rooms  map[string]*room // by localpart
	// joined indexes the rooms each session (full JID) is in, so that a
	// session that ends leaves them without a look at every room.
	joined map[string]map[string]struct{}
	loaded bool   // rooms were read from the store (first Configure)
	secret []byte // keys occupant ids (XEP-0421)
	ids    *stanzaid.Generator
	// messages counts the group chat messages sent to rooms (a metric).
	messages *sdk.Counter
}

// New returns the plugin, not yet configured.
func New() *MUC {
	return &MUC{
		rooms: map[string]*room{}, joined: map[string]map[string]struct{}{}, ids: stanzaid.NewGenerator(),
		messages: sdk.NewCounter("messages_total", "Group chat messages sent to rooms and passed on to their occupants."),
	}
}

// Describe declares the service and its routes.
func (m *MUC) Describe() sdk.Description {
	iq := func(ns string, h sdk.Handler) sdk.Route {
		return sdk.Route{Kind: sdk.IQ, Namespace: ns, Types: []string{"get", "set"}, To: sdk.ToService, Handle: h}
	}
	return sdk.Description{
		Name:    "muc",
		Version: "1.0.0",
		// Rooms, occupants and history are in the store; the process
		// holds nothing else while no room has an occupant: Quiet.
		OnDemand: true,
		Quiet:    m.quiet,
		Service: &sdk.Service{
			Subdomain:  "conference",
			Name:       "Chatrooms",
			Identities: []sdk.Identity{{Category: "conference", Type: "text", Name: "Chatrooms"}},
			Features:   []string{NS},
		},
		Routes: []sdk.Route{
			{Kind: sdk.Presence, To: sdk.ToService, Handle: m.handlePresence},
			{Kind: sdk.Message, To: sdk.ToService, Handle: m.handleMessage},
			iq(NSAdmin, m.handleAdmin),
			iq(NSOwner, m.handleOwner),
			iq(nsDiscoInfo, m.handleDiscoInfo),
			iq(nsDiscoItems, m.handleDiscoItems),
			iq(nsMAM, m.handleMAM),
			iq(nsPing, m.handlePing),
			iq(nsVCard, m.forwardIQ),
			iq(nsVersion, m.forwardIQ),
			iq(nsTime, m.forwardIQ),
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionClosed, Handle: m.sessionGone},
			{Kind: sdk.SessionPresence, Handle: m.sessionPresence},
		},
		Metrics: []sdk.Metric{
			sdk.NewGaugeFunc("rooms", "Rooms that exist, empty persistent ones included.", m.count(func() int { return len(m.rooms) })),
			sdk.NewGaugeFunc("joined_sessions", "Client sessions in at least one room.", m.count(func() int { return len(m.joined) })),
			m.messages,
		},
		Config: func() any { c := defaultConfig(); return &c },
	}
}

// count reads n under the plugin's lock, for a metric.
func (m *MUC) count(n func() int) func() float64 {
	return func() float64 {
		m.mu.Lock()
		defer m.mu.Unlock()
		return float64(n())
	}
}

// Configure decodes the config and, the first time, rebuilds the rooms
// kept in the store.
func (m *MUC) Configure(ctx context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	m.mu.Lock()
	m.host, m.cfg, m.domain, m.log = c.Host, cfg, c.ServiceDomain, c.Logger.Named("muc")
	loaded := m.loaded
	m.loaded = true
	m.mu.Unlock()
	if loaded {
		return nil
	}
	if err := m.load(ctx); err != nil {
		m.mu.Lock()
		m.loaded = false
		m.mu.Unlock()
		return fmt.Errorf("loading rooms: %w", err)
	}
	return nil
}

// state returns what Configure set, for one request.
func (m *MUC) state() (sdk.Host, Config, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.host, m.cfg, m.domain
}

// logger is the plugin's logger, as Configure set it.
func (m *MUC) logger() hclog.Logger {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log
}

// address splits a JID of the service: room localpart and nick, either
// possibly empty.
func address(to string) (local, nick string) {
	bare, nick, _ := strings.Cut(to, "/")
	local, _, ok := strings.Cut(bare, "@")
	if !ok {
		local = ""
	}
	return local, nick
}

func bareOf(full string) string {
	bare, _, _ := strings.Cut(full, "/")
	return bare
}

// lockRoom returns the room with its mutex held, or nil when there is no
// such room.
func (m *MUC) lockRoom(local string) *room {
	for {
		m.mu.Lock()
		r := m.rooms[local]
		m.mu.Unlock()
		if r == nil {
			return nil
		}
		r.mu.Lock()
		if !r.gone {
			return r
		}
		r.mu.Unlock()
	}
}

// track records that a session is in a room, or no longer is.
func (m *MUC) track(full, local string, in bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rooms := m.joined[full]
	if in {
		if rooms == nil {
			rooms = map[string]struct{}{}
			m.joined[full] = rooms
		}
		rooms[local] = struct{}{}
		return
	}
	delete(rooms, local)
	if len(rooms) == 0 {
		delete(m.joined, full)
	}
}

// child returns the first child of el named name in namespace ns.
func child(el *etree.Element, ns, name string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == name && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

// quiet reports whether no room has an occupant: the process may then be
// stopped when idle (Description.Quiet), the rooms read again when it
// starts.
func (m *MUC) quiet() bool {
	m.mu.Lock()
	rooms := make([]*room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, r := range rooms {
		r.mu.Lock()
		n := len(r.sessions)
		r.mu.Unlock()
		if n > 0 {
			return false
		}
	}
	return true
}
