package register

import (
	"context"
	"fmt"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// preAuth serves a client that has not authenticated: the registration
// form, and the creation of an account (XEP-0077 §3.1).
func (r *Register) preAuth(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	host, cfg := r.settings.Current()
	if !cfg.AllowRegistration {
		// §3.1: a host without in-band registration says so.
		return nil, stanza.Errorf(stanza.ServiceUnavailable, "registration is closed on this server")
	}
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		return registrationForm(cfg.Instructions), nil
	}
	f := formOf(req)
	switch {
	case f.remove:
		// §3.2's table: there is no account to cancel before authenticating.
		return nil, stanza.Errorf(stanza.UnexpectedRequest, "authenticate before removing an account")
	case !req.Secure:
		return nil, stanza.Errorf(stanza.NotAuthorized, "registration needs an encrypted stream")
	case f.username == "" || f.password == "":
		// §3.1: every field of the form, an empty password being none.
		return nil, stanza.Errorf(stanza.NotAcceptable, "a username and a password are both required")
	}
	// The stream's domain (the server's when the request named none).
	domain := req.To
	username, err := prepare(f.username, domain)
	if err != nil {
		return nil, err
	}
	if !r.limiter.take(req.RemoteAddr, r.now(), cfg.RegistrationsPerAddress, cfg.RegistrationWindow) {
		return nil, stanza.Errorf(stanza.ResourceConstraint, "too many registrations from your address, try again later")
	}
	if err := host.AccountsOf(domain).Create(ctx, username, f.password); err != nil {
		r.limiter.undo(req.RemoteAddr)
		return nil, fmt.Errorf("registering %s: %w", username, err)
	}
	return nil, nil
}

// registrationForm is the answer to a get before authentication.
func registrationForm(instructions string) *etree.Element {
	q := sdk.NewElement(NS, "query")
	q.CreateElement("instructions").SetText(instructions)
	q.CreateElement("username")
	q.CreateElement("password")
	return q
}

// prepare turns a requested username into the localpart the server
// stores (RFC 7622 §3.3: case-folded, normalised), or jid-malformed for
// one that cannot be a localpart.
func prepare(username, domain string) (string, error) {
	j, err := jid.New(username, domain, "")
	if err != nil || j.Localpart() == "" {
		return "", stanza.Errorf(stanza.JIDMalformed, "the username cannot be the local part of an address")
	}
	return j.Localpart(), nil
}
