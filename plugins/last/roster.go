package last

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// rosterItem is the part of the roster plugin's "items" answer that last
// reads.
type rosterItem struct {
	JID          string `json:"jid"`
	Subscription string `json:"subscription"`
}

// seesPresence reports whether peer may receive owner's presence: a
// subscription "from" or "both" in owner's roster (RFC 6121 §3), which is
// what XEP-0012 §4 asks before disclosing last activity.
func seesPresence(ctx context.Context, host sdk.Host, owner, peer string) (bool, error) {
	b, err := host.Call(ctx, "roster", "items", []byte(owner))
	if err != nil {
		return false, fmt.Errorf("reading the roster of %s: %w", owner, err)
	}
	var r struct {
		Items []rosterItem `json:"items"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return false, fmt.Errorf("decoding the roster of %s: %w", owner, err)
	}
	for _, it := range r.Items {
		if it.JID == peer {
			return it.Subscription == "from" || it.Subscription == "both", nil
		}
	}
	return false, nil
}
