package vcard

import (
	"context"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// XEP-0227 §4.6 keeps an account's vCard as the <vCard/> itself.

// PortableElements implements sdk.Portable.
func (v *VCard) PortableElements() []string { return []string{"{" + NS + "}vCard"} }

// ExportAccount returns the stored vCard, if any.
func (v *VCard) ExportAccount(ctx context.Context, st sdk.Store, _ string) ([]*etree.Element, error) {
	card, err := store{st}.load(ctx)
	if err != nil || card == nil {
		return nil, err
	}
	return []*etree.Element{card}, nil
}

// ImportAccount stores the file's vCard (the last, should it hold
// several) as a set would, without the size limit: the server it comes
// from accepted it. An empty one, or none, removes the stored one.
func (v *VCard) ImportAccount(ctx context.Context, st sdk.Store, _ string, els []*etree.Element) (int, error) {
	s := store{st}
	if len(els) == 0 || len(els[len(els)-1].ChildElements()) == 0 {
		return 0, s.remove(ctx)
	}
	return 1, s.save(ctx, sdk.MarshalElement(sdk.Standalone(els[len(els)-1])))
}
