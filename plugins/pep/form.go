package pep

import (
	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Data forms (XEP-0004), as far as node configuration and publish options
// need them.

const (
	formNodeConfig     = NS + "#node_config"
	formPublishOptions = NS + "#publish-options"
)

// submitted is one field of a submitted form.
type submitted struct {
	Var    string
	Values []string
}

// form is a submitted form: its FORM_TYPE ("" when it has none), its type
// attribute and its other fields in order.
type form struct {
	Type     string
	FormType string
	Fields   []submitted
}

// findForm returns the data form directly inside el, nil when there is
// none.
func findForm(el *etree.Element) *form {
	if el == nil {
		return nil
	}
	for _, x := range el.ChildElements() {
		if x.Tag == "x" && x.NamespaceURI() == nsData {
			return parseForm(x)
		}
	}
	return nil
}

func parseForm(x *etree.Element) *form {
	f := &form{Type: x.SelectAttrValue("type", "")}
	for _, fl := range x.ChildElements() {
		if fl.Tag != "field" {
			continue
		}
		s := submitted{Var: fl.SelectAttrValue("var", "")}
		for _, v := range fl.ChildElements() {
			if v.Tag == "value" {
				s.Values = append(s.Values, v.Text())
			}
		}
		if s.Var == "FORM_TYPE" {
			if len(s.Values) > 0 {
				f.FormType = s.Values[0]
			}
			continue
		}
		f.Fields = append(f.Fields, s)
	}
	return f
}

// newForm starts a form of the given type (form, result) and FORM_TYPE.
func newForm(typ, formType string) *etree.Element {
	x := sdk.NewElement(nsData, "x")
	x.CreateAttr("type", typ)
	ft := x.CreateElement("field")
	ft.CreateAttr("var", "FORM_TYPE")
	ft.CreateAttr("type", "hidden")
	ft.CreateElement("value").SetText(formType)
	return x
}

// addField appends a field with its options and current values.
func addField(x *etree.Element, f configField, values []string) {
	el := x.CreateElement("field")
	el.CreateAttr("var", f.Var)
	el.CreateAttr("type", f.Type)
	el.CreateAttr("label", f.Label)
	for _, o := range f.Options {
		el.CreateElement("option").CreateElement("value").SetText(o)
	}
	for _, v := range values {
		el.CreateElement("value").SetText(v)
	}
}
