package contract

import (
	"errors"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// CheckOnDemand refuses a manifest that asks to be stopped when idle but
// observes messages: the core feeds an archive continuously, and a message
// must be recorded before its stanza-id is seen. The sdk applies it to a
// Description, the core to the manifest of any plugin.
func CheckOnDemand(m *pluginv1.Manifest) error {
	if m.GetOnDemand() && m.GetObservesMessages() {
		return errors.New("a plugin that observes messages cannot be on demand: the archive is fed without pause")
	}
	return nil
}
