package pep

import (
	"context"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// nsPrivate is private XML storage (XEP-0049), the form XEP-0227 gives
// bookmarks in.
const nsPrivate = "jabber:iq:private"

var _ sdk.Portable = (*PEP)(nil)

// PortableElements names nothing: what an import brings in XEP-0227's
// form is private storage, which the private plugin keeps and hands over
// to pep at the account's first bookmarks request.
func (p *PEP) PortableElements() []string { return nil }

// ExportAccount gives the account's bookmarks (XEP-0402 items) as
// XEP-0227 carries them, XEP-0048 storage in private XML, so that they
// move with the account to this server or another. Other nodes are not
// in XEP-0227.
func (p *PEP) ExportAccount(ctx context.Context, st sdk.Store, _ string) ([]*etree.Element, error) {
	// The export runs without the server, so without the operator's
	// section: the defaults bound the read.
	s, err := legacyView(ctx, store{st}, defaultConfig())
	if err != nil {
		return nil, fmt.Errorf("reading bookmarks: %w", err)
	}
	if len(s.ChildElements()) == 0 {
		return nil, nil
	}
	q := sdk.NewElement(nsPrivate, "query")
	q.AddChild(s)
	return []*etree.Element{q}, nil
}

// ImportAccount takes nothing (PortableElements names nothing).
func (p *PEP) ImportAccount(context.Context, sdk.Store, string, []*etree.Element) (int, error) {
	return 0, nil
}
