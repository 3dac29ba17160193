// Package stats implements XEP-0039: Statistics Gathering, for the server:
// how many users are online, how many accounts there are, and how long the
// server has been up.
//
// XEP-0039 is deprecated, but the seed's server advertises it and clients
// (Psi+ among them) still ask. The statistics are computed when asked;
// nothing is counted in the background.
package stats

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// NS is the namespace of XEP-0039.
const NS = "http://jabber.org/protocol/stats"

// Stats is the plugin.
type Stats struct {
	mu         sync.Mutex
	host       sdk.Host
	started    time.Time // the server's start; zero when the core did not say
	adminsOnly bool
	admins     map[string]bool
}

// New returns the plugin.
func New() *Stats { return &Stats{} }

// Describe declares the one route and the disco feature.
func (s *Stats) Describe() sdk.Description {
	return sdk.Description{
		Config:   func() any { return &Config{} },
		Name:     "stats",
		OnDemand: true, // holds nothing but caches between calls
		Version:  sdk.BuildVersion(),
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToServer, Handle: s.handle},
		},
		Features: []string{NS},
	}
}

// Configure decodes who may read the statistics and keeps the server's
// start time.
func (s *Stats) Configure(_ context.Context, c sdk.Config) error {
	var cfg Config
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	admins, err := cfg.admins(c.Domain)
	if err != nil {
		return err
	}
	started := c.ServerStarted
	if started.UnixNano() <= 0 { // a core that does not tell
		started = time.Time{}
	}
	s.mu.Lock()
	s.host, s.started, s.adminsOnly, s.admins = c.Host, started, cfg.AdminsOnly, admins
	s.mu.Unlock()
	return nil
}

// handle answers XEP-0039 §2: an empty query with the names of the
// statistics, a query naming statistics with their values. A name that is
// not offered gets the per-statistic error 404, and one that fails to be
// computed 500, as the XEP says; the others are answered all the same.
// Nodes (ejabberd's per-cluster-node statistics) do not exist here.
func (s *Stats) handle(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	s.mu.Lock()
	host, started, adminsOnly, admins := s.host, s.started, s.adminsOnly, s.admins
	s.mu.Unlock()
	requester, _, _ := strings.Cut(req.From, "/")
	if adminsOnly && !admins[requester] {
		return nil, stanza.Errorf(stanza.Forbidden, "the statistics are for the server's admins")
	}
	q := req.Stanza.ChildElements()[0]
	if q.Tag != "query" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected <query xmlns='"+NS+"'/>")
	}
	if q.SelectAttrValue("node", "") != "" {
		return nil, stanza.Errorf(stanza.FeatureNotImplemented, "no statistics for this node")
	}
	offered := available(host, started)
	out := sdk.NewElement(NS, "query")
	asked := q.SelectElements("stat")
	if len(asked) == 0 {
		for _, st := range offered {
			out.CreateElement("stat").CreateAttr("name", st.name)
		}
		return out, nil
	}
	for _, a := range asked {
		name := a.SelectAttrValue("name", "")
		el := out.CreateElement("stat")
		el.CreateAttr("name", name)
		st := find(offered, name)
		if st == nil {
			statError(el, "404", "Not Found")
			continue
		}
		v, err := st.value(ctx)
		if err != nil {
			host.Logger().Warn("computing a statistic", "stat", name, "error", err)
			statError(el, "500", "Internal Server Error")
			continue
		}
		el.CreateAttr("units", st.units)
		el.CreateAttr("value", v)
	}
	return out, nil
}

// statError is XEP-0039's error for one statistic, inside its <stat/>.
func statError(el *etree.Element, code, text string) {
	e := el.CreateElement("error")
	e.CreateAttr("code", code)
	e.SetText(text)
}
