package sdk

import (
	"bytes"
	"errors"

	"github.com/beevik/etree"
)

// Standalone copies el so that it can be kept apart from the stanza it
// came in — stored, say, and served later in another stanza: a namespace
// it uses but inherits from an ancestor (a prefix the client declared on
// <iq/> or <query/>) is declared on the copy.
func Standalone(el *etree.Element) *etree.Element {
	c := el.Copy()
	var walk func(orig, cp *etree.Element)
	walk = func(orig, cp *etree.Element) {
		if uri := orig.NamespaceURI(); cp.NamespaceURI() != uri {
			declare(c, orig.Space, uri)
		}
		for i, a := range orig.Attr {
			if a.Space == "" || a.Space == "xmlns" || a.Space == "xml" {
				continue
			}
			if uri := a.NamespaceURI(); cp.Attr[i].NamespaceURI() != uri {
				declare(c, a.Space, uri)
			}
		}
		oc, cc := orig.ChildElements(), cp.ChildElements()
		for i := range oc {
			walk(oc[i], cc[i])
		}
	}
	walk(el, c)
	return c
}

func declare(root *etree.Element, prefix, uri string) {
	if prefix == "" {
		root.CreateAttr("xmlns", uri)
		return
	}
	root.CreateAttr("xmlns:"+prefix, uri)
}

// MarshalElement serializes an element, for storage.
func MarshalElement(el *etree.Element) []byte {
	var b bytes.Buffer
	el.WriteTo(&b, &etree.WriteSettings{})
	return b.Bytes()
}

// UnmarshalElement reads an element written by MarshalElement.
func UnmarshalElement(b []byte) (*etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, errors.New("no element")
	}
	return doc.Root(), nil
}
