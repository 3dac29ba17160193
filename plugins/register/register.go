// Package register implements XEP-0077: In-Band Registration, for the
// server's own accounts.
//
// Before authenticating, a client may create an account, if the operator
// allows it. Once authenticated, a user may change their password or
// delete their account.
package register

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Namespaces of XEP-0077.
const (
	NS        = "jabber:iq:register"
	NSFeature = "http://jabber.org/features/iq-register"
)

// Register is the plugin.
type Register struct {
	settings sdk.Settings[Config]

	limiter *limiter // kept across reloads
	now     func() time.Time
}

// New returns the plugin.
func New() *Register {
	return &Register{limiter: newLimiter(), now: time.Now}
}

// Describe declares the routes and the disco feature. The stream feature
// depends on the configuration, so Configure sets it.
func (r *Register) Describe() sdk.Description {
	return sdk.Description{
		Config:  func() any { c := defaultConfig(); return &c },
		Name:    "register",
		Version: sdk.BuildVersion(),
		// Its process holds state only while sessions use it: Quiet.
		OnDemand: true,
		Quiet:    r.quiet,
		Routes: []sdk.Route{
			// To the server: registration before authentication; after
			// it, what XEP-0077 addresses to the server.
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get", "set"}, To: sdk.ToServer, PreAuth: true, Handle: r.handle},
			// Without 'to' (XEP-0077 §3.2 says to leave it out), or to
			// the account's own bare JID.
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get", "set"}, To: sdk.ToBare, Handle: r.handleOwn},
		},
		Features: []string{NS},
	}
}

// Configure decodes the config and offers the registration stream feature
// (XEP-0077 §8) exactly when registration is allowed; a reload that turns
// registration off withdraws it.
func (r *Register) Configure(ctx context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	var features []sdk.StreamFeature
	if cfg.AllowRegistration {
		features = []sdk.StreamFeature{{XML: "<register xmlns='" + NSFeature + "'/>", Stage: sdk.StagePreAuth}}
	}
	if err := c.Host.SetStreamFeatures(ctx, features); err != nil {
		return fmt.Errorf("offering the registration stream feature: %w", err)
	}
	r.settings.Set(c.Host, cfg)
	return nil
}

func (r *Register) handle(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if !req.Authenticated {
		return r.preAuth(ctx, req)
	}
	return r.account(ctx, req)
}

// handleOwn takes what is addressed to an account: only the account
// itself may manage it.
func (r *Register) handleOwn(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if req.To != bareOf(req.From) {
		return nil, stanza.Errorf(stanza.Forbidden, "an account can only be managed by itself")
	}
	return r.account(ctx, req)
}

// form is the query of a request, read as XEP-0077's fields.
type form struct {
	username, password string
	hasUsername        bool
	remove             bool
	fields             int // child elements in all
}

func formOf(req *sdk.Request) form {
	var f form
	for _, c := range req.Stanza.ChildElements()[0].ChildElements() {
		f.fields++
		if c.NamespaceURI() != NS {
			continue // a data form (XEP-0004), which is not supported
		}
		switch c.Tag {
		case "username":
			f.username, f.hasUsername = c.Text(), true
		case "password":
			f.password = c.Text()
		case "remove":
			f.remove = true
		}
	}
	return f
}

// bareOf strips the resource; the core has prepared the JID.
func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}

// localOf returns the username of a JID of the served domain.
func localOf(jid string) string {
	local, _, _ := strings.Cut(bareOf(jid), "@")
	return local
}

// domainOf is the domain of an account's JID: the hosted domain whose
// accounts a request changes.
func domainOf(jid string) string {
	_, domain, _ := strings.Cut(bareOf(jid), "@")
	return domain
}

// quiet reports whether no registration from an address still counts
// against its limit: the process may then be stopped when idle
// (Description.Quiet) without forgetting one.
func (r *Register) quiet() bool {
	_, cfg := r.settings.Current()
	return r.limiter.empty(r.now(), cfg.RegistrationWindow)
}
