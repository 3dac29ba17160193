package adhoc

import (
	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NSData is the namespace of data forms (XEP-0004).
const NSData = "jabber:x:data"

// field is one field of a data form (XEP-0004 §3.2).
type field struct {
	Var, Type, Label string
	Required         bool
	Values           []string
	Options          []string // for list-single: the values offered
}

// form writes a data form: typ "form" to ask, "result" to answer. Every
// form of XEP-0133 starts with its hidden FORM_TYPE.
func form(typ, title, instructions string, fields ...field) *etree.Element {
	x := sdk.NewElement(NSData, "x")
	x.CreateAttr("type", typ)
	if title != "" {
		x.CreateElement("title").SetText(title)
	}
	if instructions != "" {
		x.CreateElement("instructions").SetText(instructions)
	}
	fields = append([]field{{Var: "FORM_TYPE", Type: "hidden", Values: []string{NSAdmin}}}, fields...)
	for _, f := range fields {
		el := x.CreateElement("field")
		el.CreateAttr("var", f.Var)
		if f.Type != "" {
			el.CreateAttr("type", f.Type)
		}
		if f.Label != "" {
			el.CreateAttr("label", f.Label)
		}
		if f.Required {
			el.CreateElement("required")
		}
		for _, o := range f.Options {
			opt := el.CreateElement("option")
			opt.CreateAttr("label", o)
			opt.CreateElement("value").SetText(o)
		}
		for _, v := range f.Values {
			el.CreateElement("value").SetText(v)
		}
	}
	return x
}

// submission is what a submitted form (type "submit") holds: the values
// of each field, by var.
type submission map[string][]string

// submitted reads the data form a command carries, if it has one of type
// submit.
func submitted(cmd *etree.Element) (submission, bool) {
	for _, x := range cmd.ChildElements() {
		if x.Tag != "x" || x.NamespaceURI() != NSData || x.SelectAttrValue("type", "") != "submit" {
			continue
		}
		s := submission{}
		for _, f := range x.SelectElements("field") {
			name := f.SelectAttrValue("var", "")
			for _, v := range f.SelectElements("value") {
				s[name] = append(s[name], v.Text())
			}
		}
		return s, true
	}
	return nil, false
}

// first is the first value of a field, "" when it has none.
func (s submission) first(name string) string {
	if v := s[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}
