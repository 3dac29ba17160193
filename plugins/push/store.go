package push

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, in the store of each account (owner: its bare JID):
//
//	app/<jid>/<node>   registration: one app server node to notify,
//	                   jid and node query-escaped
//
// The core deletes every key of an account with the account.
const prefix = "app/"

// registration is one enabled app server node (XEP-0357 §5).
type registration struct {
	JID  string `json:"jid"`
	Node string `json:"node"`
	// Options is the serialized publish-options form the client gave, or
	// "" for none.
	Options string `json:"options,omitempty"`
}

func keyOf(jid, node string) string {
	return prefix + url.QueryEscape(jid) + "/" + url.QueryEscape(node)
}

func registrations(ctx context.Context, st sdk.Store) ([]registration, error) {
	kvs, err := st.Scan(ctx, prefix, "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("reading push registrations: %w", err)
	}
	regs := make([]registration, 0, len(kvs))
	for _, kv := range kvs {
		var r registration
		if err := json.Unmarshal(kv.Value, &r); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", kv.Key, err)
		}
		regs = append(regs, r)
	}
	return regs, nil
}
