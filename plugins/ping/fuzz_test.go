package ping

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

func FuzzPing(f *testing.F) {
	sdktest.FuzzStanzas(f, New(), sdktest.Options{Domain: "localhost"}, "alice@localhost/a",
		"<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
}
