package server

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

const domain = "localhost"

type testServer struct {
	*Server
	starttls, direct string
	logs             *logLines // what the server logged, Warn and above; nil from startLogged
}

// start runs a server on free loopback ports with a fresh data directory
// and the accounts alice, bob and carol (password "secret").
func start(t *testing.T, mutate func(*config.Config)) *testServer {
	t.Helper()
	return startWith(t, mutate, nil)
}

func testConfig(t *testing.T, mutate func(*config.Config)) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen.C2S = "127.0.0.1:0"
	cfg.Listen.C2STLS = "127.0.0.1:0"
	cfg.Listen.WebSocket = "127.0.0.1:0"
	if mutate != nil {
		mutate(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	return cfg
}

// startWith is start with options (plugins) derived from the config.
func startWith(t *testing.T, mutate func(*config.Config), options func(*config.Config) Options) *testServer {
	t.Helper()
	cfg := testConfig(t, mutate)
	var opts Options
	if options != nil {
		opts = options(cfg)
	}
	logs := &logLines{}
	ts := startLogged(t, cfg, opts, hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Warn, Output: testWriter{t, logs}}))
	ts.logs = logs
	return ts
}

// startLogged starts a server built from cfg and opts that logs to log.
func startLogged(t *testing.T, cfg *config.Config, opts Options, log hclog.Logger) *testServer {
	t.Helper()
	ctx := context.Background()
	s, err := New(ctx, cfg, opts, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(sctx)
	})
	for _, u := range []string{"alice", "bob", "carol"} {
		if err := s.Accounts().Create(ctx, domain, u, "secret"); err != nil {
			t.Fatal(err)
		}
	}
	ts := &testServer{Server: s}
	addrs := s.Addrs()
	if cfg.Listen.C2S != "" {
		ts.starttls = addrs[0].String()
		addrs = addrs[1:]
	}
	if cfg.Listen.C2STLS != "" {
		ts.direct = addrs[0].String()
	}
	return ts
}

type testWriter struct {
	t    *testing.T
	logs *logLines
}

func (w testWriter) Write(p []byte) (int, error) {
	line := strings.TrimRight(string(p), "\n")
	w.t.Log(line)
	w.logs.mu.Lock()
	w.logs.lines = append(w.logs.lines, line)
	w.logs.mu.Unlock()
	return len(p), nil
}

// logLines keeps the lines a test server logged.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

// count is how many lines contain s.
func (l *logLines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// login returns a bound client with initial presence sent.
func (s *testServer) login(t *testing.T, user, resource string) (*rawxmpp.Client, string) {
	t.Helper()
	c, full, err := rawxmpp.Login(s.starttls, domain, user, "secret", resource)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c, full
}

// expectStreamError reads until the server sends a stream error and closes
// the stream, and checks the condition.
func expectStreamError(t *testing.T, c *rawxmpp.Client, condition string) {
	t.Helper()
	for {
		el, err := c.Next()
		if err != nil {
			t.Fatalf("waiting for stream error %s: %v", condition, err)
		}
		if el.Tag != "error" || el.SelectAttrValue("xmlns", "") != "http://etherx.jabber.org/streams" {
			continue
		}
		if got := firstChild(el); got != condition {
			t.Fatalf("stream error = %s, want %s", rawxmpp.Describe(el), condition)
		}
		if _, err := c.Next(); err != rawxmpp.ErrStreamClosed {
			t.Fatalf("after stream error: got %v, want the stream closed", err)
		}
		return
	}
}

// expectStanzaError reads until the stanza with id and checks that it is
// an error with condition.
func expectStanzaError(t *testing.T, c *rawxmpp.Client, id, condition string) *etree.Element {
	t.Helper()
	el, err := c.Expect(rawxmpp.ID(id))
	if err != nil {
		t.Fatalf("waiting for error reply %s: %v", id, err)
	}
	e := el.SelectElement("error")
	if el.SelectAttrValue("type", "") != "error" || e == nil || firstChild(e) != condition {
		t.Fatalf("reply to %s = %s, want error %s", id, rawxmpp.Describe(el), condition)
	}
	return el
}

func firstChild(el *etree.Element) string {
	for _, c := range el.ChildElements() {
		if c.Tag != "text" {
			return c.Tag
		}
	}
	return ""
}

// startB is start for benchmarks: quiet logs, fresh data.
func startB(b *testing.B) *testServer {
	b.Helper()
	return startBWith(b, Options{})
}

func startBWith(b *testing.B, opts Options) *testServer {
	b.Helper()
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	cfg.Listen.C2S = "127.0.0.1:0"
	cfg.Listen.C2STLS = ""
	cfg.Listen.WebSocket = ""
	// Benchmarks measure the server, not the per-stream shaping that a
	// load test from one client would run into (bench/compare.sh turns it
	// off too).
	cfg.Limits.RateBytesPerSecond = 0
	ctx := context.Background()
	s, err := New(ctx, cfg, opts, hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Shutdown(context.Background()) })
	for _, u := range []string{"alice", "bob"} {
		if err := s.Accounts().Create(ctx, domain, u, "secret"); err != nil {
			b.Fatal(err)
		}
	}
	return &testServer{Server: s, starttls: s.Addrs()[0].String()}
}

func rawLogin(s *testServer, user, resource string) (*rawxmpp.Client, string, error) {
	return rawxmpp.Login(s.starttls, domain, user, "secret", resource)
}
