package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/offline/offlineapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

const (
	nsPubsub  = "http://jabber.org/protocol/pubsub"
	nsData    = "jabber:x:data"
	nsSummary = "urn:xmpp:push:summary"
	nsCarbons = "urn:xmpp:carbons:2"
)

// stored notifies the app servers of an account for which a message was
// just stored, each at most once per min_interval.
func (p *Push) stored(ctx context.Context, ev sdk.Event) error {
	var msg offlineapi.Stored
	if err := json.Unmarshal(ev.Payload, &msg); err != nil {
		return fmt.Errorf("decoding %s: %w", ev.Topic, err)
	}
	return p.wake(ctx, ev.JID, msg)
}

// held notifies the app servers of an account that got a message while
// every session of it waits for its client to resume it (XEP-0198): the
// phone's app was cut off and sleeps, as for a message stored offline.
// A message without a body (a chat state, a receipt) wakes nobody.
func (p *Push) held(ctx context.Context, ev sdk.Event) error {
	msg := ev.Stanza
	if msg == nil {
		return nil
	}
	if fwd := msg.FindElement("received/forwarded/message"); fwd != nil && msg.FindElement("received").NamespaceURI() == nsCarbons {
		msg = fwd // a copy of a message to another of the account's resources
	}
	body := msg.SelectElement("body")
	if body == nil || body.Text() == "" {
		return nil
	}
	return p.wake(ctx, bareOf(ev.JID), offlineapi.Stored{From: msg.SelectAttrValue("from", ""), Body: body.Text()})
}

// wake counts a message the account's user has not seen and notifies
// the account's nodes that are due.
func (p *Push) wake(ctx context.Context, owner string, msg offlineapi.Stored) error {
	host, cfg := p.current()
	st := host.Store(owner)
	regs, err := registrations(ctx, st)
	if err != nil || len(regs) == 0 {
		return err
	}
	at := p.now()
	if msg.At != 0 {
		at = time.Unix(0, msg.At)
	}
	count, due := p.bursts.add(owner, regs, p.now(), at, cfg.MinInterval)
	var errs []error
	for _, r := range due {
		errs = append(errs, p.notify(ctx, host, cfg, st, owner, r, count, msg))
	}
	return errors.Join(errs...)
}

// notify publishes the summary to one node (XEP-0357 §7). An error
// disables the node (§7.1): at once when the app server refuses it for
// good (an error of type cancel, auth or modify: the app was removed,
// the token expired), after max_errors in a row when it may pass (no
// answer, type wait). Either is logged at WARN: the phone no longer
// wakes, and the operator may have to look at the app server's side.
func (p *Push) notify(ctx context.Context, host sdk.Host, cfg Config, st sdk.Store, owner string, r registration, count int, msg offlineapi.Stored) error {
	iq := summary(owner, r, count, msg, cfg)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if !strings.Contains(r.JID, "/") {
		// Only an IQ to a full JID can be awaited; a service's answer
		// comes back to the account and is dropped.
		iq.CreateAttr("id", "push-"+strconv.Itoa(count))
		return host.Send(ctx, iq)
	}
	_, err := host.SendIQ(ctx, iq)
	key := keyOf(r.JID, r.Node)
	if err == nil {
		p.failures.reset(owner, key)
		return nil
	}
	var se *stanza.Error
	lasting := errors.As(err, &se) && se.ErrorType() != stanza.Wait
	n := p.failures.add(owner, key)
	if !lasting && n < cfg.MaxErrors {
		host.Logger().Debug("a notification failed", "owner", owner, "app_server", r.JID, "errors_in_a_row", n, "error", err)
		return nil
	}
	host.Logger().Warn("push disabled for a node its app server refused", "owner", owner, "app_server", r.JID, "node", r.Node, "errors_in_a_row", n, "error", err)
	p.failures.reset(owner, key)
	return st.Delete(ctx, key)
}

// summary is the publish of XEP-0357 §7, from the account's bare JID.
func summary(owner string, r registration, count int, msg offlineapi.Stored, cfg Config) *etree.Element {
	iq := sdk.NewIQ("set", owner, r.JID, "")
	pubsub := iq.CreateElement("pubsub")
	pubsub.CreateAttr("xmlns", nsPubsub)
	publish := pubsub.CreateElement("publish")
	publish.CreateAttr("node", r.Node)
	n := publish.CreateElement("item").CreateElement("notification")
	n.CreateAttr("xmlns", NS)
	x := n.CreateElement("x")
	x.CreateAttr("xmlns", nsData)
	x.CreateAttr("type", "submit")
	field := func(name, value string) {
		f := x.CreateElement("field")
		f.CreateAttr("var", name)
		f.CreateElement("value").SetText(value)
	}
	field("FORM_TYPE", nsSummary)
	field("message-count", strconv.Itoa(count))
	if cfg.IncludeSender && msg.From != "" {
		field("last-message-sender", msg.From)
	}
	if cfg.IncludeBody && msg.Body != "" {
		field("last-message-body", msg.Body)
	}
	if r.Options != "" {
		if opts, err := sdk.UnmarshalElement([]byte(r.Options)); err == nil {
			pubsub.CreateElement("publish-options").AddChild(opts)
		}
	}
	return iq
}

func marshal(r registration) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding a push registration: %w", err)
	}
	return b, nil
}

// bursts counts, per account, the messages stored since its last session
// became available, and when each of its nodes was last notified.
type bursts struct {
	mu      sync.Mutex
	byOwner map[string]*burst
}

type burst struct {
	count int
	sent  map[string]time.Time // by registration key
	// back is when the account last came back: a message stored before
	// it reached the user at login, however late its event arrives.
	back time.Time
}

// add counts a message for owner, stored at storedAt, and returns the
// count and the registrations due a notification.
func (b *bursts) add(owner string, regs []registration, now, storedAt time.Time, interval time.Duration) (int, []registration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bu := b.byOwner[owner]
	if bu == nil {
		bu = &burst{sent: map[string]time.Time{}}
		b.byOwner[owner] = bu
	}
	if storedAt.Before(bu.back) {
		return bu.count, nil
	}
	bu.count++
	var due []registration
	for _, r := range regs {
		k := keyOf(r.JID, r.Node)
		if last, ok := bu.sent[k]; ok && now.Sub(last) < interval {
			continue
		}
		bu.sent[k] = now
		due = append(due, r)
	}
	return bu.count, due
}

// reset starts a new burst: the account is back at now.
func (b *bursts) reset(owner string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.byOwner[owner]; ok {
		b.byOwner[owner] = &burst{sent: map[string]time.Time{}, back: now}
	}
}

// failures counts, per registration, the notifications in a row that
// failed; memory only, like the bursts.
type failures struct {
	mu    sync.Mutex
	count map[string]int // by owner, a space, registration key
}

func (f *failures) add(owner, key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count == nil {
		f.count = map[string]int{}
	}
	f.count[owner+" "+key]++
	return f.count[owner+" "+key]
}

func (f *failures) reset(owner, key string) {
	f.mu.Lock()
	delete(f.count, owner+" "+key)
	f.mu.Unlock()
}
