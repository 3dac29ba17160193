package main

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestParseBench(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  string
		check func(*testing.T, *benchCmd)
		err   string
	}{
		{"defaults", "login", func(t *testing.T, b *benchCmd) {
			c := b.cfg
			if c.Addr != "127.0.0.1:5222" || c.Domain != "localhost" || c.Users != 100 || c.Concurrency != 50 ||
				c.Mechanism != "SCRAM-SHA-256" || c.DirectTLS || c.Window != 10 || c.Size != 128 || c.PasswordPrefix != "pw" ||
				b.json || b.workers != 0 || b.timeout != 10*time.Minute || b.create != "" {
				t.Errorf("defaults = %+v / %+v", c, b)
			}
		}, ""},
		{"several scenarios and every kind of flag",
			"login messages iq --addr 10.0.0.1:5223 --tls --domain example.net --users 400 --pairs 150 --count 500 --window 20 --size 256 --mech PLAIN --iq roster --grace 2s --json --workers 1 --timeout 1m",
			func(t *testing.T, b *benchCmd) {
				c := b.cfg
				if !slices.Equal(b.scenarios, []string{"login", "messages", "iq"}) || c.Addr != "10.0.0.1:5223" || !c.DirectTLS ||
					c.Domain != "example.net" || c.Users != 400 || c.Pairs != 150 || c.Count != 500 || c.Window != 20 ||
					c.Size != 256 || c.Mechanism != "PLAIN" || c.IQ != "roster" || c.Grace != 2*time.Second ||
					!b.json || b.workers != 1 || b.timeout != time.Minute {
					t.Errorf("parsed %+v / %+v", c, b)
				}
			}, ""},
		{"--create alone means cli", "login --create --config sb.yaml", func(t *testing.T, b *benchCmd) {
			if b.create != "cli" || b.serverConfig != "sb.yaml" {
				t.Errorf("create %q config %q", b.create, b.serverConfig)
			}
		}, ""},
		{"--create=register", "login --create=register", func(t *testing.T, b *benchCmd) {
			if b.create != "register" {
				t.Errorf("create %q", b.create)
			}
		}, ""},
		{"idle with a pid", "idle --pid 1234 --users 500 --settle 5s --hold 1m", func(t *testing.T, b *benchCmd) {
			if b.cfg.PID != 1234 || b.cfg.Settle != 5*time.Second || b.cfg.Hold != time.Minute {
				t.Errorf("parsed %+v", b.cfg)
			}
		}, ""},
		{"several source addresses", "idle --source-addrs 127.0.0.2,127.0.0.3 --source-addrs ::1", func(t *testing.T, b *benchCmd) {
			if !slices.Equal(b.cfg.SourceAddrs, []string{"127.0.0.2", "127.0.0.3", "::1"}) {
				t.Errorf("source addresses %q", b.cfg.SourceAddrs)
			}
		}, ""},
		{"rooms", "rooms --rooms 20 --occupants 50 --users 1000 --muc-domain chat.example.net", func(t *testing.T, b *benchCmd) {
			if b.cfg.Rooms != 20 || b.cfg.Occupants != 50 || b.cfg.MUCDomain != "chat.example.net" {
				t.Errorf("parsed %+v", b.cfg)
			}
		}, ""},
		{"rooms with too few users", "rooms --rooms 20 --occupants 50", nil, "--rooms 20 × --occupants 50 needs as many users, but --users is 100"},
		{"a source that is not an address", "idle --source-addrs localhost", nil, `--source-addrs: "localhost" is not an IP address`},
		{"no scenario", "--users 5", nil, "name a scenario"},
		{"unknown scenario", "chat", nil, `unknown scenario "chat"`},
		{"cli creation needs the config", "login --create", nil, "--create=cli needs the server's --config"},
		{"bad mechanism", "login --mech X", nil, `--mech "X"`},
		{"relay outside messages", "login --relay", nil, "--relay only applies to the messages scenario"},
		{"unknown flag", "login --colour", nil, "unknown flag: --colour"},
		{"bad number", "login --users many", nil, "invalid argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var help bytes.Buffer
			b, err := parseBench(strings.Fields(tc.args), &help)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, b)
		})
	}
}

func TestBenchHelp(t *testing.T) {
	var help bytes.Buffer
	if _, err := parseBench([]string{"--help"}, &help); !errors.Is(err, pflag.ErrHelp) {
		t.Fatalf("err = %v, want ErrHelp", err)
	}
	for _, want := range []string{"--workers", "GOMAXPROCS", "taskset", "--relay", "pw1..pwN", "--create"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("help does not mention %q", want)
		}
	}
}

func TestBenchFailsOnErrors(t *testing.T) {
	// Nothing listens on port 1: every login fails, and the command says so
	// with a non-zero status and the reason.
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"bench", "login", "--addr", "127.0.0.1:1", "--users", "2", "--concurrency", "1"}, nil, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "errors 2") || !strings.Contains(errOut.String(), "connection refused") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
}
