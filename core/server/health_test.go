package server

import (
	"context"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/config"
)

// TestAccepting: the watchdog's question is answered yes by a server that
// serves streams (on STARTTLS or, alone, direct TLS), and no once it has
// stopped.
func TestAccepting(t *testing.T) {
	for _, directOnly := range []bool{false, true} {
		s := start(t, func(c *config.Config) {
			if directOnly {
				c.Listen.C2S = ""
			}
		})
		if !s.Accepting() {
			t.Errorf("direct TLS only %v: a running server is not accepting", directOnly)
		}
		s.Shutdown(context.Background())
		if s.Accepting() {
			t.Errorf("direct TLS only %v: a stopped server is accepting", directOnly)
		}
	}
}
