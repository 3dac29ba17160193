package disco

import (
	"context"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// serverInfo answers disco#info to the server: without a node, or for the
// node its caps advertise ("<caps_node>#<ver>", XEP-0115 §6.2), whose
// answer mirrors the node, or for the nodes of ad-hoc commands.
func (d *Disco) serverInfo(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	s, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	node := queryNode(req)
	_, cfg := d.state()
	if node != "" && node != cfg.CapsNode+"#"+s.ver {
		if q, ok := d.commandInfo(req, node); ok {
			return q, nil
		}
		return nil, stanza.New(stanza.ItemNotFound)
	}
	q := infoQuery(node, s.identities, s.features)
	for _, f := range s.forms {
		q.AddChild(formElement(f))
	}
	return q, nil
}

// serverItems answers disco#items to the server with the services that
// plugins run and the configured items; the one node below the server is
// that of ad-hoc commands.
func (d *Disco) serverItems(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if node := queryNode(req); node != "" {
		if q, ok := d.commandItems(req, node); ok {
			return q, nil
		}
		return nil, stanza.New(stanza.ItemNotFound)
	}
	s, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	_, cfg := d.state()
	q := sdk.NewElement(NSItems, "query")
	for _, it := range append(slices.Clip(s.services), cfg.Items...) {
		el := q.CreateElement("item")
		el.CreateAttr("jid", it.JID)
		if it.Name != "" {
			el.CreateAttr("name", it.Name)
		}
		if it.Node != "" {
			el.CreateAttr("node", it.Node)
		}
	}
	return q, nil
}

// queryNode is the 'node' of the request's query, "" when absent.
func queryNode(req *sdk.Request) string {
	if q := req.Stanza.ChildElements(); len(q) > 0 {
		return q[0].SelectAttrValue("node", "")
	}
	return ""
}
