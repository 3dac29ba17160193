package loadgen_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen"
)

// TestScenarios runs each scenario briefly against a real core with the
// ping plugin, and checks what a user of the tool would read.
func TestScenarios(t *testing.T) {
	srv := startServer(t, 12, []string{"ping"}, nil)
	for _, tc := range []struct {
		name     string
		scenario string
		mutate   func(*loadgen.Config)
		check    func(*testing.T, *loadgen.Result)
	}{
		{"login over STARTTLS with SCRAM-SHA-256, twice", "login", func(c *loadgen.Config) {
			c.Users, c.Concurrency, c.Rounds = 10, 4, 2
		}, func(t *testing.T, r *loadgen.Result) {
			wantPass(t, r, 20)
			if len(r.RoundRates) != 2 || r.Latency == nil || r.Latency.P99 < r.Latency.P50 {
				t.Errorf("round rates %v, latency %+v", r.RoundRates, r.Latency)
			}
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "service-unavailable") {
				t.Errorf("warnings = %q, want the missing roster noted once", r.Warnings)
			}
		}},
		{"login over direct TLS with PLAIN", "login", func(c *loadgen.Config) {
			c.Addr, c.DirectTLS, c.Mechanism, c.Users = srv.direct, true, "PLAIN", 5
		}, func(t *testing.T, r *loadgen.Result) { wantPass(t, r, 5) }},
		{"login with SCRAM-SHA-1", "login", func(c *loadgen.Config) {
			c.Mechanism, c.Users = "SCRAM-SHA-1", 3
		}, func(t *testing.T, r *loadgen.Result) { wantPass(t, r, 3) }},
		{"login with a wrong password fails", "login", func(c *loadgen.Config) {
			c.PasswordPrefix, c.Users = "nope", 2
		}, func(t *testing.T, r *loadgen.Result) {
			wantFail(t, r, "login: auth failed: not-authorized (×2)")
		}},
		{"messages between pairs, nothing lost", "messages", func(c *loadgen.Config) {
			c.Users, c.Pairs, c.Count, c.Window, c.Size = 12, 5, 60, 4, 64
		}, func(t *testing.T, r *loadgen.Result) {
			wantPass(t, r, 600)
			m := r.Messages
			if m == nil || m.Sent != 600 || m.Lost != 0 || m.Duplicated != 0 || r.Latency == nil {
				t.Errorf("delivery %+v, latency %+v", m, r.Latency)
			}
		}},
		{"idle sessions and the server's memory", "idle", func(c *loadgen.Config) {
			c.Users, c.Settle, c.PID = 8, time.Millisecond, os.Getpid()
		}, func(t *testing.T, r *loadgen.Result) {
			wantPass(t, r, 8)
			// The core runs in this process; the ping plugin is its child.
			if m := r.Memory; m == nil || m.Processes < 2 || m.AfterKiB <= 0 || m.SessionsActive != 8 {
				t.Errorf("memory = %+v", r.Memory)
			}
		}},
		{"iq ping through the plugin", "iq", func(c *loadgen.Config) {
			c.Concurrency, c.Count = 3, 40
		}, func(t *testing.T, r *loadgen.Result) {
			wantPass(t, r, 120)
			if r.Latency == nil {
				t.Error("no latency")
			}
		}},
		{"iq roster without a roster plugin fails", "iq", func(c *loadgen.Config) {
			c.Concurrency, c.Count, c.IQ = 2, 5, "roster"
		}, func(t *testing.T, r *loadgen.Result) {
			wantFail(t, r, "iq error: roster: service-unavailable (×2)")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadgen.Default()
			cfg.Addr, cfg.Domain, cfg.Grace = srv.starttls, domain, 3*time.Second
			tc.mutate(&cfg)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := loadgen.NewRunner(cfg).Run(ctx, tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res.Summary())
			tc.check(t, res)
		})
	}
}

func wantPass(t *testing.T, r *loadgen.Result, ops int64) {
	t.Helper()
	if !r.Pass || r.Errors != 0 || r.Ops != ops || r.Rate <= 0 {
		t.Fatalf("pass=%v errors=%d %q ops=%d (want %d) rate=%v", r.Pass, r.Errors, r.ErrorReasons, r.Ops, ops, r.Rate)
	}
	if !strings.HasSuffix(r.Summary(), " PASS") {
		t.Errorf("summary %q does not say PASS", r.Summary())
	}
}

func wantFail(t *testing.T, r *loadgen.Result, reason string) {
	t.Helper()
	if r.Pass || len(r.ErrorReasons) != 1 || r.ErrorReasons[0] != reason {
		t.Fatalf("pass=%v reasons=%q, want a failure for %q", r.Pass, r.ErrorReasons, reason)
	}
}
