package extdisco_test

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/extdisco"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

func FuzzExtDisco(f *testing.F) {
	sdktest.FuzzStanzas(f, extdisco.New(), sdktest.Options{Domain: "localhost", Config: turnConfig()}, juliet,
		"<iq type='get' id='s1' to='localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>",
		"<iq type='get' id='s2' to='localhost'><services xmlns='urn:xmpp:extdisco:2' type='turn'/></iq>",
		"<iq type='get' id='c1' to='localhost'><credentials xmlns='urn:xmpp:extdisco:2'><service host='turn.example.org' type='turn' port='3478'/></credentials></iq>",
		"<iq type='get' id='c2' to='localhost'><credentials xmlns='urn:xmpp:extdisco:2'><service host='turn.example.org' type='turns'/><service host='x' type='turn'/></credentials></iq>")
}
