package loadgen_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen"
)

// TestPresenceScenario runs the presence scenario twice against a core
// with the roster and presence plugins: the first run sets the
// subscriptions up by protocol, the second finds them in the rosters; both
// must see every expected presence arrive. The roster IQ scenario runs
// here too, since it needs the roster plugin.
func TestPresenceScenario(t *testing.T) {
	srv := startServer(t, 12, []string{"roster", "presence"}, nil)
	cfg := loadgen.Default()
	cfg.Addr, cfg.Domain, cfg.Grace = srv.starttls, domain, 5*time.Second
	cfg.Users, cfg.Contacts, cfg.Concurrency = 12, 4, 6
	r := loadgen.NewRunner(cfg)
	for round := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := r.Run(ctx, "presence")
		cancel()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		t.Log(res.Summary())
		if !res.Pass || res.Ops != 12*4 || res.Latency == nil {
			t.Fatalf("round %d: pass=%v ops=%d (want 48) errors=%q", round, res.Pass, res.Ops, res.ErrorReasons)
		}
	}
	cfg.Concurrency, cfg.Count, cfg.IQ = 3, 20, "roster"
	res, err := loadgen.NewRunner(cfg).Run(context.Background(), "iq")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary())
	if !res.Pass || res.Ops != 60 || len(res.Warnings) != 0 {
		t.Errorf("iq roster: pass=%v ops=%d errors=%q warnings=%q", res.Pass, res.Ops, res.ErrorReasons, res.Warnings)
	}
}

// TestPresenceNeedsRosters checks the message a user gets from a server
// without rosters.
func TestPresenceNeedsRosters(t *testing.T) {
	srv := startServer(t, 4, nil, nil)
	cfg := loadgen.Default()
	cfg.Addr, cfg.Domain, cfg.Users, cfg.Contacts = srv.starttls, domain, 4, 2
	_, err := loadgen.NewRunner(cfg).Run(context.Background(), "presence")
	if err == nil || !strings.Contains(err.Error(), "the presence scenario needs rosters: iq error: roster get: service-unavailable") {
		t.Fatalf("err = %v", err)
	}
}
