package version_test

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/version"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

func FuzzVersion(f *testing.F) {
	sdktest.FuzzStanzas(f, version.New(), sdktest.Options{Domain: "localhost", Config: map[string]any{"version": "1.2.3", "show_os": true}}, "juliet@localhost/balcony",
		"<iq type='get' id='v1' to='localhost'><query xmlns='jabber:iq:version'/></iq>",
		"<iq type='get' id='v2' to='localhost'><query xmlns='jabber:iq:version'><name/></query></iq>")
}
