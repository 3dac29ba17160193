package pep

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/caps"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// capsClaim is the <c xmlns='http://jabber.org/protocol/caps'/> of a
// presence.
type capsClaim struct {
	Node, Ver, Hash string
	Ext             string // legacy caps' bundles (XEP-0115 §A): part of what the client claims
}

// key names the claim, to notice when a session's capabilities change;
// "" for none.
func (c *capsClaim) key() string {
	if c == nil {
		return ""
	}
	return c.Hash + " " + c.Node + "#" + c.Ver + " " + c.Ext
}

// claimOf reads a presence's entity capabilities; nil when it shows none.
func claimOf(presence *etree.Element) *capsClaim {
	if presence == nil {
		return nil
	}
	for _, c := range presence.ChildElements() {
		if c.Tag == "c" && c.NamespaceURI() == caps.NS {
			return &capsClaim{Node: c.SelectAttrValue("node", ""), Ver: c.SelectAttrValue("ver", ""), Hash: c.SelectAttrValue("hash", ""), Ext: c.SelectAttrValue("ext", "")}
		}
	}
	return nil
}

// verifiable: a SHA-1 verification string (XEP-0115 §5) can be checked
// against the answer, and then cached for everyone who shows it. Legacy
// caps (no hash, a version and "ext" bundles, as Psi+ sends) and other
// hashes cannot: the session is asked for itself alone.
func (c *capsClaim) verifiable() bool {
	return c.Hash == caps.Hash && c.Ver != "" && c.Node != ""
}

// discoInfo is a client's disco#info answer.
type discoInfo struct {
	identities []caps.Identity
	features   []string
	forms      []caps.Form
}

// notifyNodes returns the nodes whose "+notify" feature the answer lists.
func (d discoInfo) notifyNodes() map[string]bool {
	out := map[string]bool{}
	for _, f := range d.features {
		if node, ok := strings.CutSuffix(f, "+notify"); ok && node != "" {
			out[node] = true
		}
	}
	return out
}

// verifies reports whether the answer is the one ver stands for. An
// answer listing a feature or an identity twice is ill-formed (XEP-0115
// §5.4) and verifies nothing.
func (d discoInfo) verifies(ver string) bool {
	feats := slices.Clone(d.features)
	slices.Sort(feats)
	if len(slices.Compact(feats)) != len(d.features) {
		return false
	}
	seen := map[caps.Identity]bool{}
	for _, id := range d.identities {
		if seen[id] {
			return false
		}
		seen[id] = true
	}
	return caps.Ver(d.identities, d.features, d.forms) == ver
}

// queryInfo asks a session for its disco#info, for node ("" for none),
// from the session's own bare JID as a client expects its server to ask.
// A reload closes the Host connection the query went out on: the query is
// then sent once more, on the new one.
func (p *PEP) queryInfo(ctx context.Context, full, node string) (discoInfo, error) {
	_, cfg, _ := p.env()
	ctx, cancel := context.WithTimeout(ctx, cfg.DiscoTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		host, _, _ := p.env()
		iq := sdk.NewIQ("get", bareOf(full), full, "pep-disco-"+rand.Text()[:12])
		q := iq.CreateElement("query")
		q.CreateAttr("xmlns", nsDisco)
		if node != "" {
			q.CreateAttr("node", node)
		}
		resp, err := host.SendIQ(ctx, iq)
		var se *stanza.Error
		switch {
		case err == nil:
			return parseInfo(resp), nil
		case errors.As(err, &se), attempt > 0, ctx.Err() != nil:
			return discoInfo{}, err
		}
	}
}

func parseInfo(iq *etree.Element) discoInfo {
	var d discoInfo
	for _, q := range iq.ChildElements() {
		if q.Tag != "query" || q.NamespaceURI() != nsDisco {
			continue
		}
		for _, el := range q.ChildElements() {
			switch {
			case el.Tag == "identity":
				d.identities = append(d.identities, caps.Identity{
					Category: el.SelectAttrValue("category", ""), Type: el.SelectAttrValue("type", ""),
					Lang: el.SelectAttrValue("xml:lang", ""), Name: el.SelectAttrValue("name", ""),
				})
			case el.Tag == "feature":
				d.features = append(d.features, el.SelectAttrValue("var", ""))
			case el.Tag == "x" && el.NamespaceURI() == nsData:
				d.forms = append(d.forms, capsForm(parseForm(el)))
			}
		}
	}
	return d
}

func capsForm(f *form) caps.Form {
	var out caps.Form
	if f.FormType != "" {
		out.Fields = append(out.Fields, caps.Field{Var: "FORM_TYPE", Values: []string{f.FormType}})
	}
	for _, fl := range f.Fields {
		out.Fields = append(out.Fields, caps.Field{Var: fl.Var, Values: fl.Values})
	}
	return out
}
