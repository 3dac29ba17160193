package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// scrape reads the metrics page.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

// sum adds the samples of the metric name whose labels contain every one
// of labels (`kind="message"`).
func sum(page, name string, labels ...string) float64 {
	total := 0.0
	for _, line := range strings.Split(page, "\n") {
		series, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if series != name && !strings.HasPrefix(series, name+"{") {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(series, l)
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil && matches {
			total += v
		}
	}
	return total
}

// TestMetricsMoveWithTraffic: with listen.metrics on, a scrape shows the
// logins, messages, errors, connections, sessions, plugins (their calls,
// processes and own metrics) and store operations a short session made.
func TestMetricsMoveWithTraffic(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("listen:\n  metrics: 127.0.0.1:0\n"), 0o644)
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	url := srv.waitLog("serving metrics")["url"].(string)
	srv.waitLog("server started")
	before := scrape(t, url)

	alice, _ := login(t, srv, "alice", "a")
	bob, bobJID := login(t, srv, "bob", "b")
	if c, _, err := rawxmpp.Login(srv.starttls, "localhost", "alice", "wrong", "x"); err == nil {
		c.Conn.Close()
		t.Fatal("a wrong password logged in")
	}
	alice.Sendf("<message to='%s' type='chat' id='m1'><body>hi</body></message>", bobJID)
	if _, err := bob.Expect(isMsg("m1")); err != nil {
		t.Fatal(err)
	}
	alice.Send("<message to='nobody@localhost' type='chat' id='m2'><body>anyone?</body></message>")
	if _, err := alice.Expect(isMsg("m2")); err != nil { // the error comes back
		t.Fatal(err)
	}
	alice.Send("<iq type='get' id='ping1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
	if _, err := alice.Expect(isResult("ping1")); err != nil {
		t.Fatal(err)
	}
	mucJoin(t, alice, mucRoom, "Alice", "")
	mucConfigure(t, alice, mucRoom, "")
	alice.Send("<message type='groupchat' to='" + mucRoom + "' id='g1'><body>anyone here?</body></message>")
	if _, err := alice.Expect(groupchatBody("anyone here?")); err != nil {
		t.Fatal(err)
	}
	after := scrape(t, url)

	for _, c := range []struct {
		what      string
		name      string
		labels    []string
		increased float64
	}{
		{"successful logins", "switchboard_logins_total", []string{`result="success"`}, 2},
		{"failed logins", "switchboard_logins_total", []string{`result="failure"`}, 1},
		{"messages routed", "switchboard_stanzas_routed_total", []string{`kind="message"`}, 2},
		{"presence routed", "switchboard_stanzas_routed_total", []string{`kind="presence"`}, 2},
		{"errors bounced", "switchboard_stanza_errors_total", []string{`condition="service-unavailable"`}, 1},
		{"connections accepted", "switchboard_connections_total", []string{`listener="c2s"`}, 3},
		{"account reads", "switchboard_store_operation_seconds_count", []string{`operation="account"`, `result="ok"`}, 1},
		{"initial presence told to the offline plugin", "switchboard_plugin_events_total", []string{`plugin="offline"`, `kind="session_available"`}, 2},
		{"pings the plugin answered", "switchboard_plugin_call_seconds_count", []string{`plugin="ping"`, `route="iq/server/urn:xmpp:ping/get"`, `result="ok"`}, 1},
		{"group chat messages, counted by the muc plugin itself", "switchboard_plugin_muc_messages_total", nil, 1},
		{"time the ping plugin took", "switchboard_plugin_call_seconds_sum", []string{`plugin="ping"`, `route="iq/server/urn:xmpp:ping/get"`}, 1e-9},
	} {
		if got := sum(after, c.name, c.labels...) - sum(before, c.name, c.labels...); got < c.increased {
			t.Errorf("%s: %s%v rose by %v, want at least %v", c.what, c.name, c.labels, got, c.increased)
		}
	}
	if got := sum(after, "switchboard_sessions"); got != 2 {
		t.Errorf("switchboard_sessions = %v, want 2", got)
	}
	if got := sum(after, "switchboard_plugin_up", `plugin="roster"`); got != 1 {
		t.Errorf("switchboard_plugin_up{plugin=\"roster\"} = %v, want 1", got)
	}
	if got := sum(after, "switchboard_plugin_muc_rooms"); got != 1 {
		t.Errorf("switchboard_plugin_muc_rooms = %v, want 1", got)
	}
	if got := sum(after, "switchboard_plugin_resident_memory_bytes", `plugin="roster"`); got < 1<<20 {
		t.Errorf("switchboard_plugin_resident_memory_bytes{plugin=\"roster\"} = %v, want a process's worth", got)
	}
	if got := sum(after, "switchboard_plugin_cpu_seconds_total", `plugin="roster"`); got <= 0 {
		t.Errorf("switchboard_plugin_cpu_seconds_total{plugin=\"roster\"} = %v, want some", got)
	}
	// Every metric the Grafana dashboard queries is one the server serves.
	for _, name := range dashboardMetrics(t) {
		if !strings.Contains(after, "\n# TYPE "+name+" ") {
			t.Errorf("docs/grafana-dashboard.json queries %s, which the server does not serve", name)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "switchboard_client_connections"} {
		if !strings.Contains(after, "\n"+name+" ") {
			t.Errorf("no %s in the scrape", name)
		}
	}
}

// dashboardMetrics lists the metric families docs/grafana-dashboard.json
// queries (a histogram's _bucket, _count and _sum series by the
// histogram's name).
func dashboardMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	metricName := regexp.MustCompile(`\b(switchboard|process|go)_[a-z_]+`)
	seen := map[string]bool{}
	var names []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, name := range metricName.FindAllString(tg.Expr, -1) {
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if strings.HasSuffix(name, suffix) && strings.Contains(name, "_seconds") {
						name = strings.TrimSuffix(name, suffix)
					}
				}
				if !seen[name] {
					seen[name] = true
					names = append(names, name)
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("docs/grafana-dashboard.json queries no metric")
	}
	return names
}
