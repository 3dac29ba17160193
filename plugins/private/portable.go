package private

import (
	"context"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// XEP-0227 §4.5 keeps an account's private XML as one
// <query xmlns='jabber:iq:private'/> holding every stored element.

// PortableElements implements sdk.Portable.
func (p *Private) PortableElements() []string { return []string{"{" + NS + "}query"} }

// ExportAccount gathers every namespace's elements into one query.
func (p *Private) ExportAccount(ctx context.Context, st sdk.Store, _ string) ([]*etree.Element, error) {
	kvs, err := st.Scan(ctx, prefix, "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("reading private data: %w", err)
	}
	if len(kvs) == 0 {
		return nil, nil
	}
	all := sdk.NewElement(NS, "query")
	for _, kv := range kvs {
		q, err := sdk.UnmarshalElement(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("parsing stored private data %q: %w", kv.Key, err)
		}
		for _, el := range q.ChildElements() {
			all.AddChild(sdk.Standalone(el))
		}
	}
	return []*etree.Element{all}, nil
}

// ImportAccount stores the elements by namespace, as a set of each would,
// and forgets the namespaces the file does not hold. The protocol's
// limits are not applied: the data was accepted by the server it comes
// from, and refusing it here would lose it.
func (p *Private) ImportAccount(ctx context.Context, st sdk.Store, _ string, els []*etree.Element) (int, error) {
	byNS := map[string]*etree.Element{}
	var order []string
	n := 0
	for _, q := range els {
		for _, el := range q.ChildElements() {
			ns := el.NamespaceURI()
			if ns == "" {
				continue // inherits jabber:iq:private: no client could have stored it
			}
			if byNS[ns] == nil {
				byNS[ns] = sdk.NewElement(NS, "query")
				order = append(order, ns)
			}
			byNS[ns].AddChild(sdk.Standalone(el))
			n++
		}
	}
	old, err := st.Scan(ctx, prefix, "", 0, false)
	if err != nil {
		return 0, fmt.Errorf("reading private data: %w", err)
	}
	for _, kv := range old {
		if byNS[kv.Key[len(prefix):]] == nil {
			if err := st.Delete(ctx, kv.Key); err != nil {
				return 0, fmt.Errorf("removing private data %q: %w", kv.Key, err)
			}
		}
	}
	s := store{st}
	for _, ns := range order {
		if err := s.save(ctx, ns, sdk.MarshalElement(byNS[ns])); err != nil {
			return 0, err
		}
	}
	return n, nil
}
