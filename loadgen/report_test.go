package loadgen

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		mutate   func(*Config)
		want     string // "" for valid
	}{
		{"login", func(*Config) {}, ""},
		{"fly", func(*Config) {}, `unknown scenario "fly"`},
		{"login", func(c *Config) { c.Mechanism = "DIGEST-MD5" }, `--mech "DIGEST-MD5"`},
		{"login", func(c *Config) { c.Users = 0 }, "--users must be at least 1"},
		{"login", func(c *Config) { c.Relay = true }, "--relay only applies to the messages scenario"},
		{"messages", func(c *Config) { c.Users, c.Pairs = 10, 6 }, "--pairs 6 needs 2×6 users but --users is 10"},
		{"messages", func(c *Config) { c.Users = 1 }, "--pairs 0 needs"},
		{"messages", func(c *Config) { c.Size = 10 }, "--size must be at least 34"},
		{"messages", func(c *Config) { c.Relay = true }, ""},
		{"presence", func(c *Config) { c.Contacts = 3 }, "--contacts must be even"},
		{"presence", func(c *Config) { c.Users, c.Contacts = 10, 10 }, "less than --users"},
		{"iq", func(c *Config) { c.IQ = "disco" }, `--iq "disco"`},
		{"iq", func(c *Config) { c.Users, c.Concurrency = 10, 20 }, "--concurrency 20 sessions need as many users"},
	} {
		c := Default()
		tc.mutate(&c)
		err := c.Validate(tc.scenario)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.scenario, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.scenario, err, tc.want)
		}
	}
}

func TestSummary(t *testing.T) {
	r := &Result{
		Scenario: "messages", Ops: 20000, Unit: "messages", Elapsed: 0.5, Rate: 40000,
		Latency:  &Latency{P50: 0.25, P99: 12.5},
		Messages: &Delivery{Sent: 20000, Delivered: 20000},
		ToolCPU:  0.2, Pass: true,
	}
	want := "messages     20000 messages in 0.50s: 40000 messages/s, p50 250µs p99 12.5ms, lost 0, duplicated 0, errors 0, tool CPU 0.20s (40%) PASS"
	if got := r.Summary(); got != want {
		t.Errorf("Summary =\n%s\nwant\n%s", got, want)
	}
	r = &Result{Scenario: "idle", Ops: 500, Unit: "sessions", Elapsed: 1, Rate: 500, Errors: 1,
		Memory: &Memory{BeforeKiB: 40 * 1024, AfterKiB: 52 * 1024, Processes: 3, PerSessionKiB: 24.6}}
	if got := r.Summary(); !strings.Contains(got, "server RSS 40.0 MiB → 52.0 MiB in 3 processes: 24.6 KiB/session, errors 1") || !strings.HasSuffix(got, "FAIL") {
		t.Errorf("Summary = %s", got)
	}
}

func TestErrLogKeepsFirstReasonsWithCounts(t *testing.T) {
	var l errLog
	for i := range 10 {
		l.add(errors.New("auth failed: not-authorized"))
		l.add(errors.New("reason " + string(rune('a'+i))))
	}
	got := l.list()
	if l.count() != 20 || len(got) != maxReasons || got[0] != "auth failed: not-authorized (×10)" || got[1] != "reason a" {
		t.Errorf("count %d, reasons %q", l.count(), got)
	}
}

func TestBar(t *testing.T) {
	for _, tc := range []struct {
		done, total int64
		want        string
	}{
		{0, 100, "login     [>                             ]   0%  0/100  1.5s"},
		{50, 100, "login     [===============>              ]  50%  50/100  1.5s"},
		{100, 100, "login     [==============================] 100%  100/100  1.5s"},
		{7, 0, "login     [>                             ]   0%  7/0  1.5s"},
	} {
		if got := bar("login", tc.done, tc.total, 1500*time.Millisecond); got != tc.want {
			t.Errorf("bar(%d/%d) =\n%q\nwant\n%q", tc.done, tc.total, got, tc.want)
		}
	}
}
