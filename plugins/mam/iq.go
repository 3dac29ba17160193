package mam

import (
	"context"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleIQ serves the account's own archive: queries (set), the query
// form (get, XEP-0313 §4.1.5), preferences (XEP-0441) and metadata
// (XEP-0313 §5). Another account's archive is forbidden (§8.1).
func (m *MAM) handleIQ(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	owner := req.To
	if bareOf(req.From) != owner {
		return nil, stanza.Errorf(stanza.Forbidden, "only the account itself may use its archive")
	}
	el := req.Stanza.ChildElements()[0] // the route matched its namespace
	get := req.Stanza.SelectAttrValue("type", "") == "get"
	switch {
	case el.Tag == "query" && get:
		return queryForm(), nil
	case el.Tag == "query":
		return m.handleQuery(ctx, req, el, owner)
	case el.Tag == "prefs":
		return m.handlePrefs(ctx, req, el, owner)
	case el.Tag == "metadata" && get:
		return m.metadata(ctx, owner)
	}
	return nil, stanza.Errorf(stanza.FeatureNotImplemented, "unknown request <"+el.Tag+"/>")
}

// queryForm lists the fields a query may use (XEP-0313 §4.1.5); none is
// required.
func queryForm() *etree.Element {
	q := sdk.NewElement(NS, "query")
	x := sdk.NewElement(nsData, "x")
	x.CreateAttr("type", "form")
	field := func(typ, name string) *etree.Element {
		f := x.CreateElement("field")
		f.CreateAttr("type", typ)
		f.CreateAttr("var", name)
		return f
	}
	field("hidden", "FORM_TYPE").CreateElement("value").SetText(NS)
	field("jid-single", "with")
	field("text-single", "start")
	field("text-single", "end")
	field("text-single", "before-id")
	field("text-single", "after-id")
	ids := field("list-multi", "ids")
	v := sdk.NewElement("http://jabber.org/protocol/xdata-validate", "validate")
	v.CreateAttr("datatype", "xs:string")
	v.CreateElement("open")
	ids.AddChild(v)
	field("boolean", "include-groupchat")
	q.AddChild(x)
	return q
}

// metadata names the first and last message of the archive (XEP-0313
// §5); an empty archive has neither.
func (m *MAM) metadata(ctx context.Context, owner string) (*etree.Element, error) {
	host, _ := m.settings.Current()
	st := host.Store(owner)
	md := sdk.NewElement(NS, "metadata")
	for _, end := range []struct {
		name    string
		reverse bool
	}{{"start", false}, {"end", true}} {
		kvs, err := st.Scan(ctx, msgPrefix, "", 1, end.reverse)
		if err != nil {
			return nil, fmt.Errorf("reading the %s of the archive: %w", end.name, err)
		}
		if len(kvs) == 0 {
			break
		}
		if e, ok := parseMsgKey(kvs[0].Key); ok {
			el := md.CreateElement(end.name)
			el.CreateAttr("id", e.id)
			el.CreateAttr("timestamp", stamp(e.nanos))
		}
	}
	return md, nil
}
