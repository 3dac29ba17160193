package presence_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/presence"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// BenchmarkInitialPresence500 is a user with 500 contacts, all online and
// subscribed both ways, sending initial presence with entity
// capabilities: 501 broadcasts (500 contacts and her own sessions) and
// 500 probe answers, each a Host.Send over sdktest's in-memory gRPC
// connection, as in production over the unix socket.
func BenchmarkInitialPresence500(b *testing.B) {
	const n = 500
	h := sdktest.New(b, presence.New(), sdktest.Options{Logger: hclog.NewNullLogger()})
	contacts := make([]string, n)
	for i := range contacts {
		contacts[i] = fmt.Sprintf("contact%03d@localhost", i)
	}
	items := func(owner string) ([]byte, error) {
		type item struct {
			JID          string `json:"jid"`
			Subscription string `json:"subscription"`
		}
		var its []item
		if owner == alice {
			for _, c := range contacts {
				its = append(its, item{c, "both"})
			}
		} else {
			its = append(its, item{alice, "both"})
		}
		return json.Marshal(map[string]any{"ver": "1", "items": its})
	}
	h.Provide("roster", "items", func(_ context.Context, _ string, payload []byte) ([]byte, error) {
		return items(string(payload))
	})
	h.Provide("roster", "pending", func(context.Context, string, []byte) ([]byte, error) {
		return []byte(`{"requests":[]}`), nil
	})
	for _, c := range contacts {
		h.Handle("<presence><show>away</show>"+caps+"</presence>", c+"/phone")
	}
	initial := "<presence><priority>5</priority>" + caps + "</presence>"
	before := len(h.Sent())
	h.Handle(initial, alice+"/pda")
	if sent := len(h.Sent()) - before; sent != 2*n+1 {
		b.Fatalf("initial presence sent %d stanzas, want %d", sent, 2*n+1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		h.Handle("<presence type='unavailable'/>", alice+"/pda")
		b.StartTimer()
		h.Handle(initial, alice+"/pda")
	}
	b.ReportMetric(float64(2*n+1), "stanzas/op")
}
