package disco

import (
	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/caps"
)

// NSData is the namespace of data forms (XEP-0004).
const NSData = "jabber:x:data"

// infoQuery builds a disco#info <query/> with its identities and features
// in the order given (sorted by the caller).
func infoQuery(node string, ids []caps.Identity, features []string) *etree.Element {
	q := sdk.NewElement(NSInfo, "query")
	if node != "" {
		q.CreateAttr("node", node)
	}
	for _, id := range ids {
		el := q.CreateElement("identity")
		el.CreateAttr("category", id.Category)
		el.CreateAttr("type", id.Type)
		if id.Lang != "" {
			el.CreateAttr("xml:lang", id.Lang)
		}
		if id.Name != "" {
			el.CreateAttr("name", id.Name)
		}
	}
	for _, f := range features {
		q.CreateElement("feature").CreateAttr("var", f)
	}
	return q
}

// formElement writes an extended form (XEP-0128) as a data form of type
// result, with FORM_TYPE hidden.
func formElement(f caps.Form) *etree.Element {
	x := sdk.NewElement(NSData, "x")
	x.CreateAttr("type", "result")
	for _, fl := range f.Fields {
		field := x.CreateElement("field")
		field.CreateAttr("var", fl.Var)
		if fl.Var == "FORM_TYPE" {
			field.CreateAttr("type", "hidden")
		}
		for _, v := range fl.Values {
			field.CreateElement("value").SetText(v)
		}
	}
	return x
}
