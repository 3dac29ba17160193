package register_test

import (
	"context"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/register"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// fuzzConfig opens registration without a limit per address, so that the
// fuzzer is not stopped at the fifth account.
var fuzzConfig = map[string]any{"allow_registration": true, "registrations_per_address": 0}

func withJuliet(f *testing.F) func(*sdktest.Harness) {
	return func(h *sdktest.Harness) {
		if err := h.Accounts().Create(context.Background(), "juliet", "secret"); err != nil {
			f.Fatal(err)
		}
	}
}

// FuzzRegisterPreAuth is a client that has not authenticated: its
// requests have no 'from'.
func FuzzRegisterPreAuth(f *testing.F) {
	sdktest.FuzzStanzas(f, register.New(), sdktest.Options{Domain: "localhost", Config: fuzzConfig, Setup: withJuliet(f)}, "",
		"<iq type='get' id='r1' to='localhost'><query xmlns='jabber:iq:register'/></iq>",
		"<iq type='set' id='r2'><query xmlns='jabber:iq:register'><username>romeo</username><password>Montague</password><email>romeo@example.org</email></query></iq>",
		"<iq type='set' id='r3' to='localhost'><query xmlns='jabber:iq:register'><username>juliet</username><password>secret</password></query></iq>",
		"<iq type='set' id='r4' to='localhost'><query xmlns='jabber:iq:register'><username>ty@balt</username><password/></query></iq>",
		"<iq type='set' id='r5' to='localhost'><query xmlns='jabber:iq:register'><remove/></query></iq>")
}

// FuzzRegister is juliet, authenticated, changing her password and
// cancelling her registration.
func FuzzRegister(f *testing.F) {
	sdktest.FuzzStanzas(f, register.New(), sdktest.Options{Domain: "localhost", Config: fuzzConfig, Setup: withJuliet(f)}, "juliet@localhost/balcony",
		"<iq type='get' id='g'><query xmlns='jabber:iq:register'/></iq>",
		"<iq type='set' id='c1' to='localhost'><query xmlns='jabber:iq:register'><username>juliet</username><password>newpass</password></query></iq>",
		"<iq type='set' id='c2'><query xmlns='jabber:iq:register'><username>romeo</username><password>x</password></query></iq>",
		"<iq type='set' id='u1' to='romeo@localhost'><query xmlns='jabber:iq:register'><remove/></query></iq>",
		"<iq type='set' id='u2'><query xmlns='jabber:iq:register'><remove/><username>juliet</username></query></iq>",
		"<iq type='set' id='u3'><query xmlns='jabber:iq:register'><remove/></query></iq>")
}
