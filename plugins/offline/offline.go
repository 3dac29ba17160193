// Package offline implements XEP-0160: Best Practices for Handling Offline
// Messages.
//
// A chat or normal message that no resource of its recipient can take is
// offered to this plugin by the core; it is stored, stamped with XEP-0203
// delayed delivery, and delivered when the recipient next becomes
// available, oldest first.
package offline

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/offline/offlineapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
	"github.com/switchboard-xmpp/switchboard/sdk/storecache"
)

// Feature is the disco feature of XEP-0160.
const Feature = "msgoffline"

// Offline is the plugin.
type Offline struct {
	settings sdk.Settings[Config]

	mu sync.Mutex // guards delivering
	// delivering holds the accounts whose queue a session is being given;
	// true when something was stored meanwhile, which that delivery may
	// have missed.
	delivering map[string]bool

	// queues serialises, per account, counting a queue and adding to it,
	// so that two messages cannot both take its last place.
	queues [queueLocks]sync.Mutex
	clock  keyClock
	// ends is where each account's queue ended when last looked at, ""
	// for empty: a login whose queue is known to be empty does not look,
	// a scan through the core that was one of the half-dozen calls a
	// login made. Every message stored or delivered forgets it.
	ends *storecache.Cache[string]
}

// queuesKept bounds the accounts whose queue's end is remembered.
const queuesKept = 100_000

// New returns the plugin.
func New() *Offline {
	return &Offline{
		delivering: map[string]bool{},
		clock:      keyClock{now: time.Now},
		ends:       storecache.New[string](storecache.Options{Size: queuesKept}),
	}
}

// Describe declares the route for undeliverable messages, the event that
// delivers them and the disco feature.
func (o *Offline) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { c := defaultConfig(); return &c },
		Name:     "offline",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			// The core offers a message addressed to a bare JID to this
			// route only when no resource can take it (RFC 6121 §8.5.2.2).
			{Kind: sdk.Message, Types: []string{"normal", "chat"}, To: sdk.ToBare, Handle: o.store},
		},
		Events:   []sdk.EventHandler{{Kind: sdk.SessionAvailable, Handle: o.deliver}},
		Features: []string{Feature},
	}
}

// Configure decodes the quota.
func (o *Offline) Configure(_ context.Context, c sdk.Config) error {
	c.Host = storecache.WatchWrites(c.Host, storecache.Watch{Cache: o.ends, Keys: func(k string) bool { return strings.HasPrefix(k, prefix) }})
	_, err := o.settings.Configure(c, defaultConfig())
	return err
}

// store keeps an undeliverable message. It returns only once the message
// is in storage: the core holds the sender's stream until then, so that
// nothing acknowledged is lost.
func (o *Offline) store(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	msg := req.Stanza
	if !worthStoring(msg) {
		return nil, nil // dropped without an error, as XEP-0160 §3 has it for chat states
	}
	host, cfg := o.settings.Current()
	owner := bareOf(req.To)
	// A message this plugin delivered to a session that went away
	// meanwhile comes back from the server (no sender session) with the
	// plugin's stamp. It keeps the stamp, and the quota does not count it:
	// its old copy, deleted once this returns, still holds its place.
	redelivered := req.From == "" && ownDelay(msg, host.Domain()) != nil
	t, key := o.clock.next()
	if !redelivered {
		for d := ownDelay(msg, host.Domain()); d != nil; d = ownDelay(msg, host.Domain()) {
			msg.RemoveChild(d) // a sender cannot forge the server's stamp
		}
		stampDelay(msg, host.Domain(), t)
	}
	if err := o.add(ctx, host, cfg, owner, key, msg, redelivered); err != nil {
		return nil, err
	}
	// A message that comes back from a session that refused it must not be
	// offered to the sessions again from here: that could go round while
	// the session is still listed.
	if !redelivered {
		o.catchUp(ctx, host, owner)
		o.announce(ctx, host, owner, msg)
	}
	return nil, nil
}

// announce publishes that a message was stored for owner, for the plugins
// that wake up a device (push). The message is stored already: a failure
// here is logged, not returned.
func (o *Offline) announce(ctx context.Context, host sdk.Host, owner string, msg *etree.Element) {
	stored := offlineapi.Stored{From: msg.SelectAttrValue("from", ""), At: time.Now().UnixNano()}
	if body := msg.SelectElement("body"); body != nil {
		stored.Body = body.Text()
	}
	payload, err := json.Marshal(stored)
	if err == nil {
		err = host.Publish(ctx, offlineapi.TopicStored, owner, payload)
	}
	if err != nil {
		host.Logger().Warn("announcing a stored message", "owner", owner, "error", err)
	}
}

// add writes msg to owner's queue, within the quota unless it is a
// redelivery.
func (o *Offline) add(ctx context.Context, host sdk.Host, cfg Config, owner, key string, msg *etree.Element, redelivered bool) error {
	q := &o.queues[queueIndex(owner)]
	q.Lock()
	defer q.Unlock()
	st := store{host.Store(owner)}
	if !redelivered {
		n, err := st.count(ctx, cfg.MaxMessages)
		if err != nil {
			return err
		}
		if n >= cfg.MaxMessages {
			return stanza.Errorf(stanza.ServiceUnavailable, "the recipient's offline message queue is full")
		}
	}
	return st.add(ctx, key, msg)
}

// bareOf strips the resource; the core has prepared the JID.
func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}
