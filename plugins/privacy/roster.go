package privacy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// contact is the part of a roster item (the roster plugin's "items"
// method) that privacy lists refer to.
type contact struct {
	JID          string   `json:"jid"`
	Subscription string   `json:"subscription"`
	Groups       []string `json:"groups"`
}

// receivesPresence: the contact is subscribed to the owner's presence.
func (c contact) receivesPresence() bool { return c.Subscription == "from" || c.Subscription == "both" }

// sendsPresence: the owner is subscribed to the contact's presence.
func (c contact) sendsPresence() bool { return c.Subscription == "to" || c.Subscription == "both" }

func fetchRoster(ctx context.Context, host sdk.Host, owner string) ([]contact, error) {
	b, err := host.Call(ctx, "roster", "items", []byte(owner))
	if err != nil {
		return nil, fmt.Errorf("reading the roster of %s: %w", owner, err)
	}
	var r struct {
		Items []contact `json:"items"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding the roster of %s: %w", owner, err)
	}
	return r.Items, nil
}
