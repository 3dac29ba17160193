package presence_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/presence"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// TestConcurrentLoginsSeeEachOther has accounts, all subscribed to each
// other, come online at the same time: whatever the interleaving, each
// must learn of every other, by broadcast or by probe answer.
func TestConcurrentLoginsSeeEachOther(t *testing.T) {
	const n = 12
	h := sdktest.New(t, presence.New(), sdktest.Options{Logger: hclog.NewNullLogger()})
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("u%02d@localhost", i)
	}
	h.Provide("roster", "items", func(_ context.Context, _ string, payload []byte) ([]byte, error) {
		var its []map[string]string
		for _, u := range users {
			if u != string(payload) {
				its = append(its, map[string]string{"jid": u, "subscription": "both"})
			}
		}
		return json.Marshal(map[string]any{"ver": "1", "items": its})
	})
	h.Provide("roster", "pending", func(context.Context, string, []byte) ([]byte, error) {
		return []byte(`{"requests":[]}`), nil
	})
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() { h.Handle("<presence/>", u+"/r") })
	}
	wg.Wait()
	heard := map[[2]string]bool{} // {recipient account, sender account}
	for _, el := range h.Sent() {
		heard[[2]string{bareOf(el.SelectAttrValue("to", "")), bareOf(el.SelectAttrValue("from", ""))}] = true
	}
	for _, a := range users {
		for _, b := range users {
			if a != b && !heard[[2]string{a, b}] {
				t.Errorf("%s never heard of %s", a, b)
			}
		}
	}
}

func bareOf(jid string) string {
	for i, c := range jid {
		if c == '/' {
			return jid[:i]
		}
	}
	return jid
}
