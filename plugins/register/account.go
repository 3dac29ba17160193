package register

import (
	"context"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// account serves an authenticated user managing their own account: what
// is registered, a password change (XEP-0077 §3.3) or the removal of the
// account (§3.2).
func (r *Register) account(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	user := localOf(req.From)
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		// §3.1: an entity already registered is told so.
		q := sdk.NewElement(NS, "query")
		q.CreateElement("registered")
		q.CreateElement("username").SetText(user)
		q.CreateElement("password")
		return q, nil
	}
	host, cfg := r.settings.Current()
	f := formOf(req)
	if f.remove {
		return nil, remove(ctx, host, cfg, user, domainOf(req.From), f)
	}
	return nil, changePassword(ctx, host, cfg, req, user, f)
}

// remove deletes the account. The core then ends its sessions, after the
// result has gone out, and every plugin forgets the account's data.
func remove(ctx context.Context, host sdk.Host, cfg Config, user, domain string, f form) error {
	switch {
	case !cfg.AllowRemove:
		return stanza.Errorf(stanza.NotAllowed, "accounts cannot be removed in-band on this server")
	case f.fields != 1:
		return stanza.Errorf(stanza.BadRequest, "the remove element must be alone in the query")
	}
	if err := host.AccountsOf(domain).Delete(ctx, user); err != nil {
		return fmt.Errorf("removing account %s: %w", user, err)
	}
	return nil
}

// changePassword sets a new password; the username must be the user's
// own. Registering another account while authenticated is the same
// request with someone else's username, and is refused alike.
func changePassword(ctx context.Context, host sdk.Host, cfg Config, req *sdk.Request, user string, f form) error {
	switch {
	case !cfg.AllowPasswordChange:
		return stanza.Errorf(stanza.NotAllowed, "passwords cannot be changed in-band on this server")
	case !f.hasUsername || f.password == "":
		// §3.3: an empty password never replaces the current one.
		return stanza.Errorf(stanza.BadRequest, "a password change needs the username and the new password")
	}
	domain := domainOf(req.From)
	username, err := prepare(f.username, domain)
	if err != nil || username != user {
		return stanza.Errorf(stanza.Forbidden, "only your own password can be changed")
	}
	if !req.Secure {
		return stanza.Errorf(stanza.NotAuthorized, "changing a password needs an encrypted stream")
	}
	if err := host.AccountsOf(domain).SetPassword(ctx, user, f.password); err != nil {
		return fmt.Errorf("changing the password of %s: %w", user, err)
	}
	return nil
}
