package sharedroster

import (
	"context"
	"errors"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme:
//
//	owner "" (server-wide):
//	  synced/<bare JID>  "1": the account's roster holds items this
//	                     plugin gave it, to be taken back when it leaves
//	                     its groups
//	owner <contact's bare JID>:
//	  extra              the contact's extra data (jabber:iq:roster-dynamic),
//	                     an <item/> as serialized XML
const (
	syncedPrefix = "synced/"
	extraKey     = "extra"
)

// synced lists the accounts marked as holding items from this plugin.
func synced(ctx context.Context, st sdk.Store) (map[string]bool, error) {
	kvs, err := st.Scan(ctx, syncedPrefix, "", 0, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(kvs))
	for _, kv := range kvs {
		out[strings.TrimPrefix(kv.Key, syncedPrefix)] = true
	}
	return out, nil
}

func mark(ctx context.Context, st sdk.Store, owner string, holds bool) error {
	if holds {
		return st.Put(ctx, syncedPrefix+owner, []byte("1"))
	}
	return st.Delete(ctx, syncedPrefix+owner)
}

// loadExtra reads a contact's extra data; nil when it has none.
func loadExtra(ctx context.Context, st sdk.Store) ([]byte, error) {
	b, err := st.Get(ctx, extraKey)
	if errors.Is(err, sdk.ErrNotFound) {
		return nil, nil
	}
	return b, err
}
