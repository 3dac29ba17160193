package vcard

import (
	"context"
	"errors"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, in the store of each account (owner: its bare JID):
//
//	vcard   the account's <vCard xmlns='vcard-temp'/>, serialized as it was
//	        last set, with every namespace it uses declared on it; absent
//	        when the account never set one or set an empty one
//
// The core deletes the key with the account.
type store struct{ sdk.Store }

const vcardKey = "vcard"

// load returns the stored vCard, or nil when there is none.
func (s store) load(ctx context.Context) (*etree.Element, error) {
	b, err := s.Get(ctx, vcardKey)
	if errors.Is(err, sdk.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading vCard: %w", err)
	}
	card, err := sdk.UnmarshalElement(b)
	if err != nil {
		return nil, fmt.Errorf("parsing stored vCard: %w", err)
	}
	return card, nil
}

func (s store) save(ctx context.Context, b []byte) error {
	if err := s.Put(ctx, vcardKey, b); err != nil {
		return fmt.Errorf("storing vCard: %w", err)
	}
	return nil
}

func (s store) remove(ctx context.Context) error {
	if err := s.Delete(ctx, vcardKey); err != nil {
		return fmt.Errorf("removing vCard: %w", err)
	}
	return nil
}
