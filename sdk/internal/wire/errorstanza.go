package wire

import (
	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// ErrorOf reads the <error/> child of an error stanza (RFC 6120 §8.3.2):
// its type, its defined condition, its text and an application-specific
// condition. It returns nil when el has no <error/>.
func ErrorOf(el *etree.Element) *stanza.Error {
	errEl := el.SelectElement("error")
	if errEl == nil {
		return nil
	}
	e := &stanza.Error{Type: stanza.ErrorType(errEl.SelectAttrValue("type", "")), By: errEl.SelectAttrValue("by", "")}
	for _, c := range errEl.ChildElements() {
		switch {
		case c.NamespaceURI() != stanza.NSStanzas:
			e.AppSpace, e.AppLocal = c.NamespaceURI(), c.Tag
			for _, a := range c.Attr {
				if a.Space != "xmlns" && a.Key != "xmlns" {
					e.AppAttrs = append(e.AppAttrs, stanza.Attr{Name: a.Key, Value: a.Value})
				}
			}
			for _, cc := range c.ChildElements() {
				e.AppChildren = append(e.AppChildren, stanza.Child{Name: cc.Tag, Text: cc.Text()})
			}
		case c.Tag == "text":
			e.Text = c.Text()
		case e.Condition == "":
			e.Condition = stanza.Condition(c.Tag)
		}
	}
	if e.Condition == "" {
		e.Condition = stanza.UndefinedCondition
	}
	return e
}
