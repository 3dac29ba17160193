package sdk

import (
	"context"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Service makes a plugin a service that owns a domain: group chat, file
// upload, a gateway. Every stanza addressed to the domain or to any JID
// in it reaches the plugin's ToService routes, and the plugin may send
// from any JID in it. The server's disco#items lists the service by Name.
// A third-party service needs the CapService capability.
type Service struct {
	// Subdomain is the label of the domain the service owns unless the
	// operator names another in plugins.<name>.domain: Subdomain.DOMAIN.
	Subdomain string
	// Name is the service's name in the server's disco#items.
	Name string
	// Identities and Features answer disco#info on the domain itself
	// (XEP-0030), unless the plugin routes that query to a handler of its
	// own.
	Identities []Identity
	Features   []string
	// Domain is the domain the service owns, as Host.Manifests reports it;
	// the core sets it, a Description leaves it empty. A plugin learns its
	// own from Config.ServiceDomain.
	Domain string
}

const nsDiscoInfo = "http://jabber.org/protocol/disco#info"

// withServiceDisco answers disco#info on a service's own domain from its
// Service, unless the plugin routes that query itself; queries to JIDs in
// the domain are declined, for the core to answer service-unavailable.
func withServiceDisco(d Description) Description {
	if d.Service == nil {
		return d
	}
	for _, r := range d.Routes {
		if r.To == ToService && r.Kind == IQ && r.Namespace == nsDiscoInfo {
			return d
		}
	}
	s := *d.Service
	answer := func(_ context.Context, req *Request) (*etree.Element, error) {
		q := req.Stanza.ChildElements()[0]
		if strings.ContainsAny(req.To, "@/") || q.SelectAttrValue("node", "") != "" {
			return nil, ErrNotMine
		}
		out := etree.NewElement("query")
		out.CreateAttr("xmlns", nsDiscoInfo)
		for _, id := range s.Identities {
			el := out.CreateElement("identity")
			el.CreateAttr("category", id.Category)
			el.CreateAttr("type", id.Type)
			if id.Name != "" {
				el.CreateAttr("name", id.Name)
			}
		}
		features := append([]string{nsDiscoInfo}, s.Features...)
		slices.Sort(features)
		for _, f := range slices.Compact(features) {
			out.CreateElement("feature").CreateAttr("var", f)
		}
		return out, nil
	}
	d.Routes = append(slices.Clip(d.Routes), Route{Kind: IQ, Namespace: nsDiscoInfo, Types: []string{"get"}, To: ToService, Handle: answer})
	return d
}
