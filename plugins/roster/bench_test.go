package roster_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// BenchmarkRosterGet500 is the roster part of logging in for a user with
// 500 contacts: the client's roster get answered with all 500 items, over
// sdktest's in-memory gRPC connection as in production over the unix
// socket.
func BenchmarkRosterGet500(b *testing.B) {
	h := sdktest.New(b, roster.New(), sdktest.Options{Domain: "localhost", Logger: hclog.NewNullLogger()})
	const owner = "alice@localhost"
	for i := 0; i < 500; i++ {
		r := h.Handle(fmt.Sprintf("<iq type='set' id='s%d'><query xmlns='jabber:iq:roster'><item jid='contact%03d@localhost' name='Contact %d'><group>Friends</group></item></query></iq>", i, i, i), owner+"/setup")
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		r := h.Handle("<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>", owner+"/phone")
		if r.Err != nil || len(r.Replies) != 1 || len(r.Replies[0].FindElements("query/item")) != 500 {
			b.Fatalf("roster get: %+v", r)
		}
	}
}
