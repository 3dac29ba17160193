package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// withPlugins makes the test binary the plugin executable and names the
// test plugins to run as built-ins.
func withPlugins(names ...string) func(*config.Config) Options {
	return func(*config.Config) Options {
		exe, err := os.Executable()
		if err != nil {
			panic(err)
		}
		return Options{Builtins: names, Executable: exe}
	}
}

func echoIQ(t *testing.T, c *rawxmpp.Client, id, ns, attrs string) string {
	t.Helper()
	c.Sendf("<iq type='get' to='localhost' id='%s'><q xmlns='%s' %s/></iq>", id, ns, attrs)
	el, err := c.Expect(rawxmpp.ID(id))
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("type", "") != "result" {
		t.Fatalf("reply to %s: %s", id, rawxmpp.Describe(el))
	}
	return el.FindElement("echo").Text()
}

func TestPluginRouting(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo", "caller"))
	c, full := s.login(t, "alice", "r")
	if got := echoIQ(t, c, "e1", nsEcho, ""); got != full {
		t.Errorf("echo plugin saw sender %q, want %q", got, full)
	}
	c.Send("<iq type='get' to='localhost' id='e2'><q xmlns='urn:test:echo:refuse'/></iq>")
	el := expectStanzaError(t, c, "e2", "forbidden")
	if !strings.Contains(rawxmpp.Describe(el), "echo refuses") {
		t.Errorf("typed error lost its text: %s", rawxmpp.Describe(el))
	}
	c.Send("<iq type='get' to='localhost' id='e3'><call xmlns='urn:test:call'/></iq>")
	el, err := c.Expect(rawxmpp.ID("e3"))
	if err != nil {
		t.Fatal(err)
	}
	if got := el.FindElement("call").Text(); got != "hello caller: hi" {
		t.Errorf("call through the host returned %q", got)
	}
	// A method the caller only uses ("*.greet") need not be loaded: the
	// caller started without greeter, and a call to it fails cleanly.
	c.Send("<iq type='get' to='localhost' id='e4'><call xmlns='urn:test:call' plugin='greeter'/></iq>")
	expectStanzaError(t, c, "e4", "internal-server-error")
}

// A plugin process runs with the Go runtime settings of its config, or
// the defaults: GOGC 50, a quarter of the cores; and it returns its free
// heap after memory.release_after, as the core does.
func TestPluginRuntimeSettings(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cfg     config.Plugin
		release time.Duration
		want    string
	}{
		{"defaults", config.Plugin{}, 2 * time.Second, fmt.Sprintf("GOGC=50 procs=%d release=2s", max(1, runtime.NumCPU()/4))},
		{"configured", config.Plugin{GOGC: 80, MaxProcs: 3}, 0, "GOGC=80 procs=3 release=0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startWith(t, func(c *config.Config) {
				c.Plugins["echo"] = tt.cfg
				c.Memory.ReleaseAfter = tt.release
			}, withPlugins("echo"))
			c, _ := s.login(t, "alice", "r")
			if got := echoIQ(t, c, "rt", nsEcho+":runtime", ""); got != tt.want {
				t.Errorf("the plugin runs with %q, want %q", got, tt.want)
			}
		})
	}
}

// A plugin handles at most max_concurrent stanzas at once; the others wait
// their turn in the core and are answered all the same.
func TestPluginConcurrencyIsBounded(t *testing.T) {
	s := startWith(t, func(c *config.Config) { c.Plugins["echo"] = config.Plugin{MaxConcurrent: 2} }, withPlugins("echo"))
	const clients = 6
	cs := make([]*rawxmpp.Client, clients)
	for i := range cs {
		cs[i], _ = s.login(t, "alice", fmt.Sprintf("r%d", i))
	}
	for i, c := range cs {
		c.Sendf("<iq type='get' to='localhost' id='slow%d'><q xmlns='%s' sleep='150ms'/></iq>", i, nsEcho)
	}
	for i, c := range cs {
		el, err := c.Expect(rawxmpp.ID(fmt.Sprintf("slow%d", i)))
		if err != nil || el.SelectAttrValue("type", "") != "result" {
			t.Fatalf("client %d: %s %v", i, rawxmpp.Describe(el), err)
		}
	}
	if peak := echoIQ(t, cs[0], "peak", nsEcho+":peak", ""); peak != "2" {
		t.Errorf("the plugin had %s requests in hand at once, want 2 (max_concurrent)", peak)
	}
}

// A subscription stanza that a plugin fails to apply is answered with a
// presence error, so that the client does not wait for an approval that
// cannot come; a failed presence broadcast is not answered (RFC 6120
// §8.3.1 has no error for it that a client could act on).
func TestFailedSubscriptionIsAnsweredWithAnError(t *testing.T) {
	s := startWith(t, nil, withPlugins("refuser"))
	alice, _ := s.login(t, "alice", "r")
	alice.Send("<presence/>")
	alice.Send("<presence to='bob@localhost' type='subscribe' id='sub1'/>")
	el, err := alice.Expect(func(el *etree.Element) bool { return el.Tag == "presence" })
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("id", "") != "sub1" || el.SelectAttrValue("type", "") != "error" || el.FindElement("error/internal-server-error") == nil {
		t.Fatalf("the first presence back is %s, want an internal-server-error for the subscription request", rawxmpp.Describe(el))
	}
}

// Calls through "*.method" in Uses reach whichever plugin provides it.
func TestPluginUsesAnyProvider(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo", "greeter", "caller"))
	c, _ := s.login(t, "alice", "r")
	c.Send("<iq type='get' to='localhost' id='u1'><call xmlns='urn:test:call' plugin='greeter'/></iq>")
	el, err := c.Expect(rawxmpp.ID("u1"))
	if err != nil {
		t.Fatal(err)
	}
	if call := el.FindElement("call"); call == nil || call.Text() != "greetings caller: hi" {
		t.Errorf("call to greeter.greet: %s", rawxmpp.Describe(el))
	}
}

func TestPluginStreamFeatureAndPreAuth(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	c.Send("<iq type='get' id='pa'><q xmlns='urn:test:echo:preauth'/></iq>")
	el, err := c.Expect(rawxmpp.ID("pa"))
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("type", "") != "result" {
		t.Fatalf("pre-auth IQ: %s", rawxmpp.Describe(el))
	}
	c.Send("<iq type='get' id='np'><q xmlns='urn:test:echo'/></iq>")
	expectStreamError(t, c, "not-authorized")

	c2, _ := s.login(t, "bob", "") // login reads the post-auth features itself
	_ = c2
	c3, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Conn.Close()
	c3.OpenStream(domain)
	c3.StartTLS(domain)
	c3.AuthPlain(domain, "carol", "secret")
	f, err := c3.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	if f.SelectElement("echo") == nil {
		t.Errorf("plugin stream feature missing after auth: %s", rawxmpp.Describe(f))
	}
}

// TestStreamFeaturesAreGranted: offering stream features is a capability
// the operator grants, pre-authentication ones need pre_auth as well, and
// no plugin may offer a feature in a namespace of the core's own (a second
// <mechanisms/> with a made-up mechanism, offered to unauthenticated
// clients, was possible without any grant).
func TestStreamFeaturesAreGranted(t *testing.T) {
	t.Run("not granted: not started", func(t *testing.T) {
		cfg := testConfig(t, nil)
		opts := thirdParty(t, "featurer", nil)(cfg)
		s, err := New(context.Background(), cfg, opts, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Shutdown(context.Background())
		if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "stream_features") {
			t.Fatalf("Start() = %v, want a refusal naming stream_features", err)
		}
	})
	var opts Options
	s := startWith(t, func(c *config.Config) { opts = thirdParty(t, "featurer", []string{"stream_features"})(c) }, func(*config.Config) Options { return opts })
	alice, _ := s.login(t, "alice", "a")
	set := func(id, stage, feature string) string {
		alice.Sendf("<iq type='set' to='localhost' id='%s'><set xmlns='urn:test:feat' stage='%s'>%s</set></iq>", id, stage, feature)
		el, err := alice.Expect(rawxmpp.ID(id))
		if err != nil {
			t.Fatal(err)
		}
		return el.FindElement("set").Text()
	}
	if got := set("pre", "pre", "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>X-EVIL</mechanism></mechanisms>"); !strings.Contains(got, "pre_auth") {
		t.Errorf("a pre-auth feature without pre_auth: %q, want a refusal naming pre_auth", got)
	}
	if got := set("core", "post", "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"); !strings.Contains(got, "the core's") {
		t.Errorf("a feature in the core's namespace: %q, want a refusal", got)
	}
	if got := set("ok", "post", "<other xmlns='urn:test:other'/>"); got != "" {
		t.Errorf("a granted post-auth feature: %q", got)
	}
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream(domain)
	c.StartTLS(domain)
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.SelectElements("mechanisms")); n != 1 {
		t.Errorf("pre-auth features offer %d <mechanisms/>: %s", n, rawxmpp.Describe(f))
	}
}

// TestCoreFeaturesAreReserved: every feature the core offers itself, before
// and after authentication, is in a namespace plugins may not offer in.
func TestCoreFeaturesAreReserved(t *testing.T) {
	s := start(t, nil)
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	var offered []*etree.Element
	features := func() error {
		f, err := c.Expect(rawxmpp.Is("features"))
		if err == nil {
			offered = append(offered, f.ChildElements()...)
		}
		return err
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00secret"))
	for _, step := range []func() error{
		func() error { return c.OpenStream(domain) },
		features,
		func() error { return c.Send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") },
		func() error { _, err := c.Expect(rawxmpp.Is("proceed")); return err },
		func() error { return c.UpgradeTLS(domain) },
		func() error { return c.OpenStream(domain) },
		features,
		func() error {
			return c.Sendf("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", plain)
		},
		func() error { _, err := c.Expect(rawxmpp.Is("success")); return err },
		func() error { return c.OpenStream(domain) },
		features,
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if len(offered) < 6 {
		t.Fatalf("the core offered only %d features in all", len(offered))
	}
	for _, f := range offered {
		if ns := f.SelectAttrValue("xmlns", ""); !slices.Contains(c2s.FeatureNamespaces(), ns) {
			t.Errorf("the core offers <%s xmlns='%s'/>, a namespace plugins are not kept out of", f.Tag, ns)
		}
	}
}

// TestPluginOutputReachesTheLog: what a plugin prints to its stdout and
// stderr, not through its logger, is in the server's log under the
// plugin's name (go-plugin discarded it).
func TestPluginOutputReachesTheLog(t *testing.T) {
	var out syncBuffer
	cfg := testConfig(t, nil)
	s := startLogged(t, cfg, withPlugins("echo")(cfg), hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Info, Output: &out}))
	alice, _ := s.login(t, "alice", "a")
	alice.Sendf("<iq type='get' to='localhost' id='p'><q xmlns='%s:print'/></iq>", nsEcho)
	if r, err := alice.Expect(rawxmpp.ID("p")); err != nil || r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("print: %s %v", rawxmpp.Describe(r), err)
	}
	waitFor(t, "the plugin's output in the log", func() bool {
		log := out.String()
		return strings.Contains(log, "plugin.echo: echo wrote this to its stdout") && strings.Contains(log, "plugin.echo: echo wrote this to its stderr")
	})
}

// TestPluginUnderAnotherName: a plugin configured under a key that is not
// the name it gives itself is refused, naming the key it should have.
func TestPluginUnderAnotherName(t *testing.T) {
	cfg := testConfig(t, nil)
	opts := thirdPartyAs(t, "renamed", "echo", nil)(cfg)
	s, err := New(context.Background(), cfg, opts, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "plugins.echo") {
		t.Fatalf("Start() = %v, want a refusal naming plugins.echo", err)
	}
}

// TestPreAuthOnlyTheServerAnswers: before authentication a plugin's
// pre-auth route serves IQs to the server only; one addressed to a user
// closes the stream as any other unauthenticated stanza does, instead of
// being answered from that user's address.
func TestPreAuthOnlyTheServerAnswers(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	for _, tt := range []struct{ to, want string }{
		{"localhost", "result"},
		{"LocalHost", "result"},
		{"bob@localhost", ""},
		{"localhost/res", ""},
	} {
		c, err := rawxmpp.Dial(s.starttls)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Conn.Close()
		if err := c.OpenStream(domain); err != nil {
			t.Fatal(err)
		}
		if err := c.StartTLS(domain); err != nil {
			t.Fatal(err)
		}
		c.Sendf("<iq type='get' id='pa' to='%s'><q xmlns='urn:test:echo:preauth'/></iq>", tt.to)
		if tt.want == "" {
			expectStreamError(t, c, "not-authorized")
			continue
		}
		el, err := c.Expect(rawxmpp.ID("pa"))
		if err != nil || el.SelectAttrValue("type", "") != tt.want || el.SelectAttrValue("from", "") != "localhost" {
			t.Errorf("pre-auth IQ to %s: %s %v", tt.to, rawxmpp.Describe(el), err)
		}
	}
}

// TestPluginSeesWhetherTheStreamIsSecure: Request.Secure is the stream's,
// not always true.
func TestPluginSeesWhetherTheStreamIsSecure(t *testing.T) {
	s := startWith(t, func(c *config.Config) { c.TLS.Required = false }, withPlugins("echo"))
	ask := func(c *rawxmpp.Client) string {
		c.Send("<iq type='get' to='localhost' id='sec'><q xmlns='urn:test:echo:secure'/></iq>")
		el, err := c.Expect(rawxmpp.ID("sec"))
		if err != nil {
			t.Fatal(err)
		}
		return el.FindElement("echo").Text()
	}
	tls, _ := s.login(t, "alice", "tls")
	if got := ask(tls); got != "true" {
		t.Errorf("over TLS the plugin saw secure=%s", got)
	}
	plain, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Conn.Close()
	if err := plain.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if err := plain.AuthSCRAM(domain, "bob", "secret", false); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Bind("plain"); err != nil {
		t.Fatal(err)
	}
	if got := ask(plain); got != "false" {
		t.Errorf("without TLS the plugin saw secure=%s", got)
	}
}

// TestMalformedReplyIsStillAnAnswer: a handler's reply that is not XML
// is refused by the core, which answers the IQ with internal-server-error
// and the id it logged, instead of leaving the client waiting.
func TestMalformedReplyIsStillAnAnswer(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	c, _ := s.login(t, "alice", "a")
	c.Send("<iq type='get' to='localhost' id='bad'><q xmlns='urn:test:echo:malformed'/></iq>")
	el, err := c.Expect(rawxmpp.ID("bad"))
	if err != nil {
		t.Fatal(err)
	}
	text := el.FindElement("error/text")
	if el.SelectAttrValue("type", "") != "error" || el.FindElement("error/internal-server-error") == nil || text == nil || !strings.HasPrefix(text.Text(), "internal error, id ") {
		t.Fatalf("malformed reply: %s, want internal-server-error with an id", rawxmpp.Describe(el))
	}
}

func TestPluginStartErrors(t *testing.T) {
	tests := []struct {
		plugins []string
		want    []string
	}{
		{[]string{"echo", "echo2"}, []string{"route conflict", "echo", "echo2"}},
		{[]string{"needy"}, []string{"needy", "nobody.method"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.plugins, "+"), func(t *testing.T) {
			cfg := testConfig(t, nil)
			s, err := New(context.Background(), cfg, withPlugins(tt.plugins...)(cfg), hclog.NewNullLogger())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Shutdown(context.Background())
			err = s.Start(context.Background())
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("Start() = %v, want an error mentioning %q", err, w)
				}
			}
			if st := s.Plugins().Status(); len(st) != 0 {
				t.Errorf("plugins left running after a failed start: %+v", st)
			}
		})
	}
}

func TestReloadEnablesAndDisablesPlugins(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	c, _ := s.login(t, "alice", "r")
	echoIQ(t, c, "before", nsEcho, "")

	off := false
	cfg := *s.cfg
	cfg.Plugins = map[string]config.Plugin{"echo": {Enabled: &off}}
	if err := s.Reload(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	c.Sendf("<iq type='get' to='localhost' id='off'><q xmlns='%s'/></iq>", nsEcho)
	expectStanzaError(t, c, "off", "service-unavailable")
	for _, m := range s.Plugins().Manifests() {
		if m.GetName() == "echo" {
			t.Errorf("the disabled plugin's manifest is still listed")
		}
	}

	cfg.Plugins = nil
	if err := s.Reload(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	echoIQ(t, c, "after", nsEcho, "") // same session throughout
}

func TestPluginCrashKeepsSessions(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	alice, aliceJID := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	pid := s.Plugins().Status()[0].PID
	if pid == 0 {
		t.Fatal("no pid for the echo plugin")
	}
	alice.Sendf("<iq type='get' to='localhost' id='inflight'><q xmlns='%s' sleep='30s'/></iq>", nsEcho)
	waitFor(t, "the request to reach the plugin", func() bool { return s.Plugins().Status()[0].InFlight == 1 })
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	el, err := alice.Expect(rawxmpp.ID("inflight"))
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("type", "") != "error" {
		t.Fatalf("in-flight request after the plugin died: %s", rawxmpp.Describe(el))
	}
	// Both sessions are still there and can talk.
	bob.Sendf("<message to='%s' id='alive'/>", aliceJID)
	if _, err := alice.Expect(rawxmpp.ID("alive")); err != nil {
		t.Fatalf("session dropped with the plugin: %v", err)
	}
	// The plugin comes back.
	waitFor(t, "the plugin to restart", func() bool {
		st := s.Plugins().Status()
		return st[0].State == "running" && st[0].PID != pid
	})
	echoIQ(t, alice, "again", nsEcho, "")
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// preAuthFeatures returns the names of the features offered after TLS.
func preAuthFeatures(t *testing.T, s *testServer) []string {
	t.Helper()
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	return featureNames(f)
}

func TestDynamicStreamFeatureFollowsConfig(t *testing.T) {
	on := func(c *config.Config) {
		c.Plugins = map[string]config.Plugin{"echo": {Config: map[string]any{"feature": true}}}
	}
	s := startWith(t, on, withPlugins("echo"))
	waitFor(t, "the dynamic feature", func() bool { return slices.Contains(preAuthFeatures(t, s), "dyn") })

	cfg := *s.cfg
	cfg.Plugins = map[string]config.Plugin{"echo": {Config: map[string]any{"feature": false}}}
	if err := s.Reload(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the feature to go", func() bool { return !slices.Contains(preAuthFeatures(t, s), "dyn") })
}

func TestPluginThatKeepsCrashingIsMarkedFailed(t *testing.T) {
	s := startWith(t, nil, func(c *config.Config) Options {
		o := withPlugins("echo")(c)
		o.PluginBackoff = pluginhost.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, MaxCrashes: 3, Window: time.Minute}
		return o
	})
	c, _ := s.login(t, "alice", "a")
	for i := 0; i < 3; i++ {
		var pid int
		waitFor(t, "the plugin to run", func() bool {
			st := s.Plugins().Status()[0]
			pid = st.PID
			return st.State == "running" && pid != 0
		})
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the crash to be noticed", func() bool { return s.Plugins().Status()[0].PID != pid || s.Plugins().Status()[0].State != "running" })
	}
	waitFor(t, "the plugin to be marked failed", func() bool { return s.Plugins().Status()[0].State == "failed" })
	c.Sendf("<iq type='get' to='localhost' id='dead'><q xmlns='%s'/></iq>", nsEcho)
	expectStanzaError(t, c, "dead", "service-unavailable")

	// A reload starts it again.
	if err := s.Reload(context.Background(), s.cfg); err != nil {
		t.Fatal(err)
	}
	echoIQ(t, c, "revived", nsEcho, "")
}

func TestArchiveObserverAndStanzaID(t *testing.T) {
	s := startWith(t, nil, withPlugins("archiver"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	alice.Send("<message to='bob@localhost/b' type='chat' id='kept'><body>keep me</body></message>")
	alice.Send("<message to='bob@localhost/b' type='chat' id='skip'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>")
	el, err := bob.Expect(isMessage("kept"))
	if err != nil {
		t.Fatal(err)
	}
	sid := el.SelectElement("stanza-id")
	if sid == nil || sid.SelectAttrValue("by", "") != "bob@localhost" || sid.SelectAttrValue("id", "") == "" {
		t.Fatalf("delivered message lacks the recipient's stanza-id: %s", rawxmpp.Describe(el))
	}
	if el, err := bob.Expect(isMessage("skip")); err != nil || el.SelectElement("stanza-id") != nil {
		t.Fatalf("a message without body was stamped: %s %v", rawxmpp.Describe(el), err)
	}
	var keys []string
	waitFor(t, "both copies to be archived", func() bool {
		keys = archivedKeys(t, alice)
		return len(keys) == 2
	})
	want := []string{"alice@localhost out ", "bob@localhost in " + sid.SelectAttrValue("id", "")}
	if !strings.HasPrefix(keys[0], want[0]) || keys[1] != want[1] {
		t.Errorf("archived %q, want %q", keys, want)
	}
}

// An archive that cannot keep up slows senders to its pace instead of
// losing copies: 40 messages sent in one burst through a queue of 4, to an
// observer that takes 30 ms over every batch, are all delivered and all
// archived, for sender and recipient.
func TestSlowArchiveSlowsSendersAndLosesNothing(t *testing.T) {
	s := startWith(t, func(c *config.Config) {
		c.Limits.ArchiveQueue = 4
		c.Limits.ArchiveWait = 30 * time.Second
		c.Plugins["archiver"] = config.Plugin{Config: map[string]any{"delay": "30ms"}}
	}, withPlugins("archiver"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	const n = 40
	var burst strings.Builder
	for i := range n {
		fmt.Fprintf(&burst, "<message to='bob@localhost/b' type='chat' id='m%d'><body>%d</body></message>", i, i)
	}
	alice.Send(burst.String())
	for i := range n {
		if _, err := bob.Expect(isMessage(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	waitFor(t, "every copy to be archived", func() bool {
		var out, in int
		for _, k := range archivedKeys(t, alice) {
			switch {
			case strings.HasPrefix(k, "alice@localhost out "):
				out++
			case strings.HasPrefix(k, "bob@localhost in "):
				in++
			}
		}
		return out == n && in == n
	})
}

// Archive batches are cut by size as well as by count, and the plugin
// boundary takes batches past gRPC's default 4 MiB: 60 copies of 200 KiB
// queued while the archive is busy make batches of up to 8 MiB, which the
// archiver writes in one store batch each. Were either cut or limit wrong,
// gRPC would refuse a batch and lose it whole.
func TestLargeMessagesAreAllArchived(t *testing.T) {
	s := startWith(t, func(c *config.Config) {
		c.Limits.RateBytesPerSecond = 0
		c.Limits.SendQueueBytes = 16 << 20 // bob reads while alice sends
		c.Limits.ArchiveQueue = 64
		c.Limits.ArchiveWait = 30 * time.Second
		c.Plugins["archiver"] = config.Plugin{Config: map[string]any{"delay": "300ms"}}
	}, withPlugins("archiver"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	const n = 30
	body := strings.Repeat("y", 200<<10)
	for i := range n {
		alice.Sendf("<message to='bob@localhost/b' type='chat' id='big%d'><body>%s</body></message>", i, body)
	}
	for i := range n {
		if _, err := bob.Expect(isMessage(fmt.Sprintf("big%d", i))); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	// A request to the archive waits until what was delivered before it
	// is stored: one question finds every copy, however slow the archive.
	alice.Timeout = time.Minute
	if keys := archivedKeys(t, alice); len(keys) != 2*n {
		t.Fatalf("archived %d copies, want %d", len(keys), 2*n)
	}
}

// archivedKeys asks the archiver test plugin what it has stored, as
// "OWNER in|out STANZA-ID" keys.
func archivedKeys(t *testing.T, c *rawxmpp.Client) []string {
	t.Helper()
	c.Send("<iq type='get' to='localhost' id='arch'><q xmlns='urn:test:archive'/></iq>")
	res, err := c.Expect(rawxmpp.ID("arch"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range res.FindElements("archive/m") {
		keys = append(keys, m.Text())
	}
	return keys
}

// Plugins hear of initial presence, of every later change of an
// available session (PEP needs new capabilities, XEP-0163 §4.3), of
// unavailable presence on an open stream, and of the session's end.
func TestSessionPresenceEvents(t *testing.T) {
	s := startWith(t, nil, withPlugins("watcher"))
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	// rawxmpp.Login has sent initial presence.
	alice.Send("<presence><show>away</show></presence>")
	alice.Send("<presence type='unavailable'/>")
	alice.Send("<presence type='unavailable'/>") // not available: nothing to report
	alice.Send("<presence><show>dnd</show></presence>")
	alice.Conn.Close()
	want := []string{
		"available alice@localhost/a available",
		"presence alice@localhost/a away",
		"presence alice@localhost/a unavailable",
		"available alice@localhost/a dnd",
		"closed alice@localhost/a",
	}
	var got []string
	waitFor(t, "alice's session events", func() bool {
		bob.Send("<iq type='get' to='localhost' id='ev'><q xmlns='urn:test:events'/></iq>")
		res, err := bob.Expect(rawxmpp.ID("ev"))
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, e := range res.FindElements("events/e") {
			if strings.Contains(e.Text(), "alice@") && !strings.HasPrefix(e.Text(), "bound") {
				got = append(got, e.Text())
			}
		}
		return len(got) >= len(want)
	})
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// thirdParty runs a test plugin as a third-party plugin: by path (a
// script that re-executes the test binary), with the given grants.
func thirdParty(t *testing.T, name string, grants []string) func(*config.Config) Options {
	return thirdPartyAs(t, name, name, grants)
}

// thirdPartyAs configures the test plugin named plugin as a third-party
// plugin under the key plugins.<key>.
func thirdPartyAs(t *testing.T, key, plugin string, grants []string) func(*config.Config) Options {
	return func(c *config.Config) Options {
		exe, err := os.Executable()
		if err != nil {
			panic(err)
		}
		script := filepath.Join(t.TempDir(), key)
		if err := os.WriteFile(script, []byte("#!/bin/sh\nexec '"+exe+"' plugin "+plugin+"\n"), 0o755); err != nil {
			panic(err)
		}
		c.Plugins = map[string]config.Plugin{key: {Path: script, Grants: grants}}
		return Options{}
	}
}

func TestThirdPartyCapabilities(t *testing.T) {
	t.Run("not granted: not started", func(t *testing.T) {
		cfg := testConfig(t, nil)
		opts := thirdParty(t, "outsider", nil)(cfg)
		s, err := New(context.Background(), cfg, opts, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Shutdown(context.Background())
		err = s.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "accounts") || !strings.Contains(err.Error(), "plugins.outsider.grants") {
			t.Fatalf("Start() = %v, want a refusal naming the capability and the config key", err)
		}
	})
	t.Run("granted: only what it asked for", func(t *testing.T) {
		var opts Options
		s := startWith(t, func(c *config.Config) { opts = thirdParty(t, "outsider", []string{"accounts"})(c) }, func(*config.Config) Options { return opts })
		alice, aliceJID := s.login(t, "alice", "a")
		alice.Send("<iq type='get' to='localhost' id='list'><q xmlns='urn:test:outsider'/></iq>")
		r, err := alice.Expect(rawxmpp.ID("list"))
		if err != nil {
			t.Fatal(err)
		}
		if n := r.FindElement("n"); r.SelectAttrValue("type", "") != "result" || n == nil || n.Text() != "3" {
			t.Fatalf("listing accounts with the capability: %s", rawxmpp.Describe(r))
		}
		alice.Send("<iq type='get' to='localhost' id='imp'><impersonate xmlns='urn:test:outsider'/></iq>")
		if r, err := alice.Expect(rawxmpp.ID("imp")); err != nil || r.SelectAttrValue("type", "") != "error" {
			t.Fatalf("speaking for a user without send_as_users: %s %v", rawxmpp.Describe(r), err)
		}
		alice.Sendf("<message to='%s' id='after'/>", aliceJID)
		if el, err := alice.Expect(rawxmpp.Is("message")); err != nil || el.SelectAttrValue("id", "") != "after" {
			t.Fatalf("a forged message got through: %s %v", rawxmpp.Describe(el), err)
		}
	})
}

// An on-demand plugin is stopped once it has had nothing to do for
// memory.stop_idle_plugins, and the next stanza or event for it starts it
// again: the client sees an answer either way.
func TestOnDemandPluginStopsWhenIdleAndStartsAgain(t *testing.T) {
	s := startWith(t, func(c *config.Config) { c.Memory.StopIdlePlugins = 2 * time.Second }, withPlugins("lazy"))
	alice, aliceJID := s.login(t, "alice", "a")
	lazyIQ := func(id string, attrs ...string) (pid string, bound []string) {
		t.Helper()
		alice.Sendf("<iq type='get' to='localhost' id='%s'><q xmlns='%s' %s/></iq>", id, nsLazy, strings.Join(attrs, " "))
		el, err := alice.Expect(rawxmpp.ID(id))
		if err != nil {
			t.Fatal(err)
		}
		q := el.FindElement("q")
		if el.SelectAttrValue("type", "") != "result" || q == nil {
			t.Fatalf("reply to %s: %s", id, rawxmpp.Describe(el))
		}
		for _, b := range q.SelectElements("b") {
			bound = append(bound, b.Text())
		}
		return q.SelectAttrValue("pid", ""), bound
	}
	// Events and stanzas travel apart: ask until the event has come.
	n := 0
	until := func(what string, cond func(pid string, bound []string) bool) (pid string, bound []string) {
		t.Helper()
		waitFor(t, what, func() bool {
			n++
			pid, bound = lazyIQ(fmt.Sprintf("q%d", n))
			return cond(pid, bound)
		})
		return pid, bound
	}
	first, _ := until("alice's session to reach the plugin", func(_ string, bound []string) bool { return slices.Contains(bound, aliceJID) })
	waitFor(t, "the idle plugin to be stopped", func() bool {
		st := s.Plugins().Status()[0]
		return st.State == "idle" && st.PID == 0
	})
	// Stopped while idle, it still serves: no "plugin down" alert.
	if up, idle := pluginGauges(t, s.Server, "lazy"); up != 1 || idle != 1 {
		t.Errorf("while idle: switchboard_plugin_up = %v, switchboard_plugin_idle = %v, want 1 and 1", up, idle)
	}
	old, _ := strconv.Atoi(first)
	waitFor(t, "its process to end", func() bool { return syscall.Kill(old, 0) != nil })

	// An event starts it: it sees bob's session, and only that one.
	_, bobJID := s.login(t, "bob", "b")
	waitFor(t, "the event to start the plugin", func() bool { return s.Plugins().Status()[0].State == "running" })
	second, bound := until("bob's session to reach the plugin", func(_ string, bound []string) bool { return len(bound) > 0 })
	if second == first || !slices.Equal(bound, []string{bobJID}) {
		t.Fatalf("after the event: process %s (was %s), sessions %v, want a new process that saw %s", second, first, bound, bobJID)
	}

	// Idle again, a stanza starts it and is answered.
	waitFor(t, "the plugin to be stopped again", func() bool { return s.Plugins().Status()[0].State == "idle" })
	third, bound := lazyIQ("third", "hold='true'")
	if third == second || len(bound) != 0 {
		t.Fatalf("after the stanza: process %s (was %s), sessions %v", third, second, bound)
	}

	// A plugin that says it holds something is left running.
	if _, err := alice.Expect(rawxmpp.ID("not-quiet")); err != nil {
		t.Fatalf("the core did not ask the idle plugin whether it is quiet: %v", err)
	}
	if st := s.Plugins().Status()[0]; st.State != "running" || strconv.Itoa(st.PID) != third {
		t.Fatalf("a plugin that is not quiet was stopped: %+v", st)
	}
	lazyIQ("release", "hold='false'")
	waitFor(t, "the released plugin to be stopped", func() bool { return s.Plugins().Status()[0].State == "idle" })
}

// pluginGauges reads switchboard_plugin_up and switchboard_plugin_idle of
// one plugin from the collector a scrape would use.
func pluginGauges(t *testing.T, s *Server, plugin string) (up, idle float64) {
	t.Helper()
	ch := make(chan prometheus.Metric, 64)
	newPluginCollector(s).Collect(ch)
	close(ch)
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		if len(d.GetLabel()) != 1 || d.GetLabel()[0].GetValue() != plugin || d.GetGauge() == nil {
			continue
		}
		switch desc := m.Desc().String(); {
		case strings.Contains(desc, `"switchboard_plugin_up"`):
			up = d.GetGauge().GetValue()
		case strings.Contains(desc, `"switchboard_plugin_idle"`):
			idle = d.GetGauge().GetValue()
		}
	}
	return up, idle
}
