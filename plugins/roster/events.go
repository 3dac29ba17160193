package roster

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// sessionClosed forgets that the session wanted roster pushes.
func (r *Roster) sessionClosed(_ context.Context, ev sdk.Event) error {
	r.forget(bareOf(ev.JID), ev.SessionID)
	return nil
}

// accountDeleted deletes the account's roster. Each contact's item for it
// changes as if the account had removed the contact first (RFC 6121
// §2.5.2): subscriptions both ways are cancelled, and the contact hears
// unsubscribe and unsubscribed and gets a roster push; the items plugins
// manage for the account in the contacts' rosters go. The deleted
// account's own roster is neither pushed nor published: it is gone.
func (r *Roster) accountDeleted(ctx context.Context, ev sdk.Event) error {
	owner := ev.JID
	r.cache.invalidate(owner) // the core has deleted the account's rows itself
	host, _, _ := r.env()
	st := host.Store(owner)
	entries, err := loadAll(ctx, st)
	if err != nil {
		return fmt.Errorf("reading the roster of deleted account %s: %w", owner, err)
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, r.dropContact(ctx, host, owner, e.contact))
	}
	if err := st.Delete(ctx, verKey); err != nil {
		errs = append(errs, fmt.Errorf("deleting the roster version of %s: %w", owner, err))
	}
	r.mu.Lock()
	delete(r.interested, owner)
	r.mu.Unlock()
	return errors.Join(errs...)
}

// dropContact cancels, on the contact's side, what a deleted account's
// record held, takes back the items that plugins manage for the account
// in the contact's roster, and deletes the record.
func (r *Roster) dropContact(ctx context.Context, host sdk.Host, owner, contact string) error {
	unlock := r.locks.lock(owner, contact)
	defer unlock()
	st := host.Store(owner)
	rec, err := load(ctx, st, contact) // again, under the lock
	if err != nil || rec == nil {
		return err
	}
	changes, deliver, err := r.cancel(ctx, host, owner, contact, rec.state(), true)
	if err != nil {
		return err
	}
	if err := r.commit(ctx, changes); err != nil {
		return err
	}
	if err := save(ctx, st, contact, nil); err != nil {
		return fmt.Errorf("deleting %s from the roster of deleted account %s: %w", contact, owner, err)
	}
	return send(ctx, host, deliver)
}
