package roster_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/roster"
)

// TestConcurrentSubscriptions has every pair of accounts subscribe to each
// other at once, in both directions: the locks must leave every item in
// state both, on both sides.
func TestConcurrentSubscriptions(t *testing.T) {
	const n = 6
	users := make([]string, n)
	names := make([]string, n)
	for i := range users {
		names[i] = fmt.Sprintf("u%d", i)
		users[i] = names[i] + "@localhost"
	}
	h := newHarness(t, nil, names...)
	each := func(typ string) {
		var wg sync.WaitGroup
		for _, a := range users {
			for _, b := range users {
				if a != b {
					wg.Go(func() {
						payload, err := json.Marshal(roster.SubscriptionRequest{From: a, To: b, Stanza: "<presence type='" + typ + "'/>"})
						if err == nil {
							_, err = h.Invoke("subscription", "presence", payload)
						}
						if err != nil {
							t.Errorf("%s %s → %s: %v", typ, a, b, err) // not Fatal: this is not the test's goroutine
						}
					})
				}
			}
		}
		wg.Wait()
	}
	each("subscribe")
	each("subscribed")
	for _, a := range users {
		for _, b := range users {
			if s := state(t, h, a, b); a != b && s != "both" {
				t.Errorf("%s has %s as %s, want both", a, b, s)
			}
		}
	}
}
