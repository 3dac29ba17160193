package offline

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// batch is how many stored messages are read at a time.
const batch = 50

// deliver gives a session that has just become available its account's
// queue, oldest first (XEP-0160 §2), deleting each message once the core
// has taken it. A message the core refuses stays for the next session.
func (o *Offline) deliver(ctx context.Context, ev sdk.Event) error {
	// A resource with negative priority takes no messages for the bare JID
	// (RFC 6121 §8.5.2.1.1), nor, then, the queue.
	if priorityOf(ev.Stanza) < 0 {
		return nil
	}
	owner := bareOf(ev.JID)
	if !o.claim(owner) {
		return nil // another delivery is under way; it runs once more
	}
	for {
		err := o.giveQueue(ctx, owner, ev.JID)
		if !o.release(owner, err == nil) {
			return err
		}
	}
}

// catchUp gives a message just stored to the account's session that
// became available while the core found none to take it: that session's
// own delivery may have read the queue before the message was in it, and
// the message would wait for the next login.
func (o *Offline) catchUp(ctx context.Context, host sdk.Host, owner string) {
	sessions, err := host.Sessions(ctx, owner)
	if err != nil {
		host.Logger().Warn("looking for a session to take a message just stored offline; it waits for the next login", "jid", owner, "error", err)
		return
	}
	var best *sdk.Session
	for i, s := range sessions {
		if s.Available && s.Priority >= 0 && (best == nil || s.Priority > best.Priority) {
			best = &sessions[i]
		}
	}
	if best == nil {
		return
	}
	if err := o.deliver(ctx, sdk.Event{Kind: sdk.SessionAvailable, JID: best.JID, Stanza: best.Presence}); err != nil {
		host.Logger().Warn("delivering a message just stored offline; it waits for the next login", "jid", best.JID, "error", err)
	}
}

// giveQueue sends to the session full what owner's queue holds now.
func (o *Offline) giveQueue(ctx context.Context, owner, full string) error {
	host, _ := o.settings.Current()
	st := store{host.Store(owner)}
	// Only what is queued now: a message sent to a session that has gone
	// away comes back into the queue, and must not be tried again here.
	end, err := o.ends.Get(ctx, owner, st.last)
	if err != nil {
		return err
	}
	if end == "" {
		return nil
	}
	after := ""
	for {
		kvs, err := st.Scan(ctx, prefix, after, batch, false)
		if err != nil {
			return fmt.Errorf("reading offline messages of %s: %w", owner, err)
		}
		for _, kv := range kvs {
			if kv.Key > end {
				return nil
			}
			if err := o.send(ctx, host, st, kv, full); err != nil {
				return err
			}
		}
		if len(kvs) < batch {
			return nil
		}
		after = kvs[len(kvs)-1].Key
	}
}

// send delivers one stored message to the session's full JID, then
// deletes it. If the delete fails the message will come again: a
// duplicate rather than a loss.
func (o *Offline) send(ctx context.Context, host sdk.Host, st store, kv sdk.KV, to string) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(kv.Value); err != nil || doc.Root() == nil {
		// Never deliverable; keeping it would only hold a place in the queue.
		host.Logger().Error("dropping an unreadable offline message", "key", kv.Key, "jid", to, "error", err)
		return st.Delete(ctx, kv.Key)
	}
	msg := doc.Root()
	msg.CreateAttr("to", to)
	if msg.SelectAttr("from") == nil {
		msg.CreateAttr("from", host.Domain())
	}
	if err := host.Send(ctx, msg); err != nil {
		return fmt.Errorf("delivering offline message %s to %s: %w", kv.Key, to, err)
	}
	if err := st.Delete(ctx, kv.Key); err != nil {
		return fmt.Errorf("deleting delivered offline message %s: %w", kv.Key, err)
	}
	return nil
}

// claim starts a delivery of owner's queue, unless one is under way: that
// one is then told to run once more, for what was stored meanwhile.
func (o *Offline) claim(owner string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, busy := o.delivering[owner]; busy {
		o.delivering[owner] = true
		return false
	}
	o.delivering[owner] = false
	return true
}

// release ends a delivery of owner's queue, or reports that it must run
// again: something was stored meanwhile and it may go on.
func (o *Offline) release(owner string, goOn bool) (again bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if goOn && o.delivering[owner] {
		o.delivering[owner] = false
		return true
	}
	delete(o.delivering, owner)
	return false
}

// priorityOf reads an initial presence's <priority/>: absent or not a
// number is 0 (RFC 6121 §4.7.2.3).
func priorityOf(presence *etree.Element) int {
	if presence == nil {
		return 0
	}
	p := presence.SelectElement("priority")
	if p == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(p.Text()))
	if err != nil {
		return 0
	}
	return n
}
