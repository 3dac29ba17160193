package contract

import (
	"slices"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// MayCall reports whether a plugin with manifest m may call plugin.method:
// the contract's rule, applied alike by the core and by sdktest's fake
// host. The method must be among m's requires or uses, or match a
// "*.method" entry of its uses.
func MayCall(m *pluginv1.Manifest, plugin, method string) bool {
	want := plugin + "." + method
	return slices.Contains(m.GetRequires(), want) || slices.Contains(m.GetUses(), want) ||
		slices.Contains(m.GetUses(), "*."+method)
}
