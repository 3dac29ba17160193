package loadgen_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/loadgen"
)

// TestRoomsScenario runs the rooms scenario against a real core with the
// muc plugin: every occupant gets every message of its room once, the
// sender's own reflection included.
func TestRoomsScenario(t *testing.T) {
	srv := startServer(t, 9, []string{"muc"}, func(c *config.Config) {
		c.Plugins["muc"] = config.Plugin{Config: map[string]any{"messages_per_second": 100000, "message_burst": 1000}}
	})
	cfg := loadgen.Default()
	cfg.Addr, cfg.Domain, cfg.Grace = srv.starttls, domain, 5*time.Second
	cfg.Users, cfg.Rooms, cfg.Occupants, cfg.Count, cfg.Window, cfg.Size = 9, 3, 3, 20, 4, 64
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := loadgen.NewRunner(cfg).Run(ctx, "rooms")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary())
	// 3 rooms × 3 senders × 20 messages, each to 3 occupants.
	wantPass(t, res, 540)
	if m := res.Messages; m == nil || m.Sent != 540 || m.Lost != 0 || m.Duplicated != 0 || res.Latency == nil {
		t.Errorf("delivery %+v, latency %+v", m, res.Latency)
	}

	// The muc plugin's default rate limit refuses a flood: the bounces
	// fail the run, they are not counted as deliveries.
	srv = startServer(t, 2, []string{"muc"}, nil)
	cfg.Addr, cfg.Users, cfg.Rooms, cfg.Occupants, cfg.Count, cfg.Window, cfg.Grace = srv.starttls, 2, 1, 2, 50, 50, 2*time.Second
	res, err = loadgen.NewRunner(cfg).Run(ctx, "rooms")
	if err != nil {
		t.Fatal(err)
	}
	if res.Pass || len(res.ErrorReasons) == 0 || !strings.Contains(strings.Join(res.ErrorReasons, " "), "resource-constraint") {
		t.Errorf("a flood past the rate limit: pass=%v reasons %q", res.Pass, res.ErrorReasons)
	}
}
