package privacy

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// contact is a roster item, as privacy lists' group and subscription items
// refer to it.
type contact = rosterapi.Item

func fetchRoster(ctx context.Context, host sdk.Host, owner string) ([]contact, error) {
	items, err := rosterapi.ReadItems(ctx, host, owner)
	return items.Items, err
}
