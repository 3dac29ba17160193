package loadgen_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/loadgen"
)

// TestCreateByRegistration creates the accounts by in-band registration,
// finds them there on a second pass, and logs them in.
func TestCreateByRegistration(t *testing.T) {
	srv := startServer(t, 0, []string{"register"}, func(c *config.Config) {
		c.Plugins["register"] = config.Plugin{Config: map[string]any{
			"allow_registration":        true,
			"registrations_per_address": 0,
		}}
	})
	cfg := loadgen.Default()
	cfg.Addr, cfg.Domain, cfg.Users, cfg.Concurrency = srv.starttls, domain, 4, 2
	r := loadgen.NewRunner(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, want := range []int{4, 0} {
		n, err := r.Create(ctx, loadgen.Creation{Mode: "register"})
		if err != nil || n != want {
			t.Fatalf("Create = %d, %v; want %d created", n, err, want)
		}
	}
	res, err := r.Run(ctx, "login")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pass || res.Ops != 4 {
		t.Errorf("login after registration: pass=%v ops=%d errors=%q", res.Pass, res.Ops, res.ErrorReasons)
	}
}

func TestCreateNeedsAMode(t *testing.T) {
	r := loadgen.NewRunner(loadgen.Default())
	if _, err := r.Create(context.Background(), loadgen.Creation{Mode: "magic"}); err == nil {
		t.Error("Create with an unknown mode succeeded")
	}
	if _, err := r.Create(context.Background(), loadgen.Creation{Mode: "cli"}); err == nil {
		t.Error("Create with cli and no config succeeded")
	}
}

// TestCreateThroughTheCLI checks the commands run for --create=cli with a
// stand-in for the switchboard binary that records them.
func TestCreateThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := filepath.Join(dir, "switchboard")
	body := "#!/bin/sh\n" +
		"read -r pw || true\n" +
		"echo \"$* pw=$pw\" >> " + log + "\n" +
		"[ \"$2\" = list ] && echo user2@localhost\n" +
		"exit 0\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := loadgen.Default()
	cfg.Users = 3
	n, err := loadgen.NewRunner(cfg).Create(context.Background(), loadgen.Creation{Mode: "cli", Executable: script, ServerConfig: "sb.yaml"})
	if err != nil || n != 2 {
		t.Fatalf("Create = %d, %v; want 2 (user2 exists)", n, err)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	calls := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(calls)
	want := []string{
		"user add user1@localhost --password - --config sb.yaml pw=pw1",
		"user add user3@localhost --password - --config sb.yaml pw=pw3",
		"user list --config sb.yaml pw=",
	}
	if !slices.Equal(calls, want) {
		t.Errorf("calls =\n%s\nwant\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
}
