package carbons

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

func FuzzCarbons(f *testing.F) {
	sdktest.FuzzStanzas(f, New(), sdktest.Options{Domain: "localhost"}, "alice@localhost/phone",
		"<iq type='set' id='e'><enable xmlns='urn:xmpp:carbons:2'/></iq>",
		"<iq type='set' id='d' to='alice@localhost'><disable xmlns='urn:xmpp:carbons:2'/></iq>",
		"<iq type='set' id='x' to='bob@localhost'><enable xmlns='urn:xmpp:carbons:2'/></iq>",
		"<iq type='set' id='p'><private xmlns='urn:xmpp:carbons:2'/></iq>")
}
