package loadgen_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/builtins"
	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/server"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// TestMain doubles as the plugin executable: the server under test
// re-executes the test binary as `<binary> plugin NAME`, as the real one
// re-executes switchboard, and the built-in plugin answers.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "plugin" {
		newPlugin, ok := builtins.All()[os.Args[2]]
		if !ok {
			os.Exit(2)
		}
		sdk.Serve(newPlugin())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const domain = "localhost"

// target is a Switchboard core running in this process.
type target struct {
	starttls, direct string
	srv              *server.Server
}

// startServer runs the core on loopback with the given built-in plugins
// and accounts user1..userN (password pwN), as `switchboard bench`
// expects them by default.
func startServer(t *testing.T, users int, plugins []string, mutate func(*config.Config)) *target {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen.C2S = "127.0.0.1:0"
	cfg.Listen.C2STLS = "127.0.0.1:0"
	cfg.Listen.WebSocket = ""
	if mutate != nil {
		mutate(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := hclog.New(&hclog.LoggerOptions{Name: "server", Level: hclog.Warn, Output: testWriter{t}})
	s, err := server.New(ctx, cfg, server.Options{Builtins: plugins, Executable: exe}, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(sctx)
	})
	for i := 1; i <= users; i++ {
		n := strconv.Itoa(i)
		if err := s.Accounts().Create(ctx, domain, "user"+n, "pw"+n); err != nil {
			t.Fatal(err)
		}
	}
	addrs := s.Addrs()
	return &target{starttls: addrs[0].String(), direct: addrs[1].String(), srv: s}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
