package presence_test

import (
	"context"
	"flag"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/presence"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// TestTranscript plays testdata/presence.xml against presence with roster
// faked: alice and bob are subscribed to each other, carol to nobody.
func TestTranscript(t *testing.T) {
	h := sdktest.New(t, presence.New(), sdktest.Options{Logger: hclog.NewNullLogger()})
	rosters := map[string]string{
		alice: `{"ver":"1","items":[{"jid":"bob@localhost","name":"Bob","subscription":"both","ask":"","approved":false,"groups":[]}]}`,
		bob:   `{"ver":"1","items":[{"jid":"alice@localhost","name":"","subscription":"both","ask":"","approved":false,"groups":[]}]}`,
		carol: `{"ver":"1","items":[]}`,
	}
	h.Provide("roster", "items", func(_ context.Context, _ string, payload []byte) ([]byte, error) {
		return []byte(rosters[string(payload)]), nil
	})
	h.Provide("roster", "pending", func(context.Context, string, []byte) ([]byte, error) {
		return []byte(`{"requests":[]}`), nil
	})
	h.Golden("testdata/presence.xml", *update)
}
