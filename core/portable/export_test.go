package portable

import (
	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// StoreOf is a plugin's store for owner, for the tests.
func StoreOf(s storage.Store, ns, owner string) sdk.Store {
	return pluginStore{store: s, ns: ns, owner: owner}
}
