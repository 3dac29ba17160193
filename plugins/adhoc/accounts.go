package adhoc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

func addUserForm() *etree.Element {
	return form("form", "Add User", "The new account and its password.",
		field{Var: "accountjid", Type: "jid-single", Label: "The Jabber ID for the account to be added", Required: true},
		field{Var: "password", Type: "text-private", Label: "The password for this account", Required: true},
		field{Var: "password-verify", Type: "text-private", Label: "Retype password", Required: true},
	)
}

// addUser creates an account (XEP-0133 §4.1); an existing one is a
// conflict.
func addUser(ctx context.Context, e env, in submission) (outcome, error) {
	user, err := account(e, in.first("accountjid"))
	if err != nil {
		return outcome{}, err
	}
	pw := in.first("password")
	if pw == "" {
		return outcome{}, badPayload("the password must not be empty")
	}
	if v, ok := in["password-verify"]; ok && (len(v) == 0 || v[0] != pw) {
		return outcome{}, badPayload("the passwords differ")
	}
	if err := e.host.Accounts().Create(ctx, user, pw); err != nil {
		return outcome{}, fmt.Errorf("creating the account %s: %w", user, err)
	}
	return outcome{notes: []note{{"info", "Created " + user + "@" + e.host.Domain() + "."}}}, nil
}

func changePasswordForm() *etree.Element {
	return form("form", "Change User Password", "The account and its new password.",
		field{Var: "accountjid", Type: "jid-single", Label: "The Jabber ID for this account", Required: true},
		field{Var: "password", Type: "text-private", Label: "The password for this account", Required: true},
	)
}

// changePassword sets an account's password (XEP-0133 §4.7); a missing
// account is item-not-found.
func changePassword(ctx context.Context, e env, in submission) (outcome, error) {
	user, err := account(e, in.first("accountjid"))
	if err != nil {
		return outcome{}, err
	}
	pw := in.first("password")
	if pw == "" {
		return outcome{}, badPayload("the password must not be empty")
	}
	if err := e.host.Accounts().SetPassword(ctx, user, pw); err != nil {
		return outcome{}, fmt.Errorf("changing the password of %s: %w", user, err)
	}
	return outcome{notes: []note{{"info", "Changed the password of " + user + "@" + e.host.Domain() + "."}}}, nil
}

func accountsForm(title, instructions string) func() *etree.Element {
	return func() *etree.Element {
		return form("form", title, instructions,
			field{Var: "accountjids", Type: "jid-multi", Label: "The Jabber ID(s)", Required: true})
	}
}

// deleteUser deletes accounts (XEP-0133 §4.2); the core ends their
// sessions and every plugin deletes their data. All JIDs are checked
// before any account is deleted; those that do not exist are named in a
// warning.
func deleteUser(ctx context.Context, e env, in submission) (outcome, error) {
	users, err := accounts(e, in["accountjids"])
	if err != nil {
		return outcome{}, err
	}
	var deleted, missing []string
	for _, u := range users {
		err := e.host.Accounts().Delete(ctx, u)
		var se *stanza.Error
		switch {
		case errors.As(err, &se) && se.Condition == stanza.ItemNotFound:
			missing = append(missing, u+"@"+e.host.Domain())
		case err != nil:
			return outcome{}, fmt.Errorf("deleting the account %s: %w", u, err)
		default:
			deleted = append(deleted, u+"@"+e.host.Domain())
		}
	}
	var out outcome
	if len(deleted) > 0 {
		out.notes = append(out.notes, note{"info", "Deleted " + strings.Join(deleted, ", ") + "."})
	}
	if len(missing) > 0 {
		out.notes = append(out.notes, note{"warn", "No such account: " + strings.Join(missing, ", ") + "."})
	}
	return out, nil
}

// account reads a JID of the form as an account of the served domain
// and returns its username.
func account(e env, s string) (string, error) {
	j, err := jid.Parse(strings.TrimSpace(s))
	if err != nil || j.Localpart() == "" || j.Resourcepart() != "" || j.Domainpart() != e.host.Domain() {
		return "", badPayload(fmt.Sprintf("%q is not the bare JID of an account of %s", s, e.host.Domain()))
	}
	return j.Localpart(), nil
}

// accounts reads a jid-multi field of accounts; at least one is needed.
func accounts(e env, values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, badPayload("no account given")
	}
	users := make([]string, 0, len(values))
	for _, v := range values {
		u, err := account(e, v)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}
