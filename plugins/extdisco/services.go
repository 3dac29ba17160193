package extdisco

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handle answers both requests of XEP-0215: the list of services (§3.1,
// §3.2) and credentials for named services (§3.3).
func (e *ExtDisco) handle(_ context.Context, req *sdk.Request) (*etree.Element, error) {
	_, _, domain, cfg := e.state()
	bare, ok := localUser(req.From, domain)
	if !ok {
		return nil, stanza.Errorf(stanza.Forbidden, "external services are for the server's own users")
	}
	q := req.Stanza.ChildElements()[0]
	label := cfg.UsernameLabel
	if label == "" {
		label = bare
	}
	switch q.Tag {
	case "services":
		typ := q.SelectAttrValue("type", "")
		e.remember(req.From, req.SessionID, typ)
		return servicesElement(cfg, typ, label, time.Now()), nil
	case "credentials":
		return credentialsElement(cfg, q, label, time.Now())
	}
	return nil, stanza.Errorf(stanza.BadRequest, "expected <services/> or <credentials/>")
}

// servicesElement lists the services of type typ, every one when typ is
// "".
func servicesElement(cfg Config, typ, label string, now time.Time) *etree.Element {
	out := sdk.NewElement(NS, "services")
	if typ != "" {
		out.CreateAttr("type", typ)
	}
	for _, s := range cfg.Services {
		if typ == "" || s.Type == typ {
			out.AddChild(serviceElement(cfg, s, label, now))
		}
	}
	return out
}

// credentialsElement answers a credentials request: each <service/> in it
// names a restricted service by host and type, and by port when the host
// offers that type on several (§3.3). Naming none that exists is
// item-not-found.
func credentialsElement(cfg Config, q *etree.Element, label string, now time.Time) (*etree.Element, error) {
	asked := q.SelectElements("service")
	if len(asked) == 0 {
		return nil, stanza.Errorf(stanza.BadRequest, "name the service: <service host='…' type='…'/>")
	}
	out := sdk.NewElement(NS, "credentials")
	for _, a := range asked {
		host, typ := a.SelectAttrValue("host", ""), a.SelectAttrValue("type", "")
		if host == "" || typ == "" {
			return nil, stanza.Errorf(stanza.BadRequest, "a <service/> needs host and type")
		}
		port := -1
		if p := a.SelectAttr("port"); p != nil {
			n, err := strconv.Atoi(p.Value)
			if err != nil || n <= 0 || n > 65535 {
				return nil, stanza.Errorf(stanza.BadRequest, "port must be a number from 1 to 65535")
			}
			port = n
		}
		for _, s := range cfg.Services {
			if s.restricted() && s.Host == host && s.Type == typ && (port < 0 || s.Port == port) {
				out.AddChild(serviceElement(cfg, s, label, now))
			}
		}
	}
	if len(out.ChildElements()) == 0 {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no service here gives credentials for that host and type")
	}
	return out, nil
}

// serviceElement describes s, with fresh credentials when it is
// restricted.
func serviceElement(cfg Config, s Service, label string, now time.Time) *etree.Element {
	el := etree.NewElement("service")
	el.CreateAttr("host", s.Host)
	el.CreateAttr("port", strconv.Itoa(s.Port))
	el.CreateAttr("transport", s.Transport)
	el.CreateAttr("type", s.Type)
	if s.Name != "" {
		el.CreateAttr("name", s.Name)
	}
	if s.restricted() {
		c := newCredentials(cfg.Secret, label, now, cfg.CredentialLifetime)
		el.CreateAttr("restricted", "1")
		el.CreateAttr("username", c.username)
		el.CreateAttr("password", c.password)
		el.CreateAttr("expires", datetime(c.expires))
	}
	return el
}

// localUser returns the bare JID of from when it is an account of domain:
// only the server's own users get credentials for its TURN servers.
func localUser(from, domain string) (string, bool) {
	bare, _, _ := strings.Cut(from, "/")
	local, dom, ok := strings.Cut(bare, "@")
	return bare, ok && local != "" && dom == domain
}
