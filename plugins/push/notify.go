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
)

// stored notifies the app servers of an account for which a message was
// just stored, each at most once per min_interval.
func (p *Push) stored(ctx context.Context, ev sdk.Event) error {
	var msg offlineapi.Stored
	if err := json.Unmarshal(ev.Payload, &msg); err != nil {
		return fmt.Errorf("decoding %s: %w", ev.Topic, err)
	}
	owner := ev.JID
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

// notify publishes the summary to one node (XEP-0357 §7). An app server
// that answers with an error of type cancel or auth has dropped the node
// (the app was removed, the token expired): the registration goes too.
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
	var se *stanza.Error
	if errors.As(err, &se) && (se.ErrorType() == stanza.Cancel || se.ErrorType() == stanza.Auth) {
		host.Logger().Debug("the app server refused a notification; registration removed", "owner", owner, "app_server", r.JID, "condition", se.Condition)
		return st.Delete(ctx, keyOf(r.JID, r.Node))
	}
	if err != nil {
		host.Logger().Debug("a notification failed", "owner", owner, "app_server", r.JID, "error", err)
	}
	return nil
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
