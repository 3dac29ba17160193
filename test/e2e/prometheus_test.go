package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/debian"
)

const prometheusHelp = "install it once: apt-get update && apt-get install -y prometheus"

// requirePrometheus installs Debian's prometheus when it is missing and
// the test runs as root, and fails, never skips, when it is still missing.
func requirePrometheus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("prometheus"); err != nil && os.Geteuid() == 0 {
		t.Log("setting up the Prometheus test: apt-get install prometheus")
		if err := debian.Install(t.Context(), true, "prometheus"); err != nil {
			t.Log(err)
		}
	}
	path, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("Debian's prometheus is not installed: %v; %s", err, prometheusHelp)
	}
	return path
}

// TestPrometheusScrapes: a real Prometheus scrapes the server, and its
// query API shows the count of messages routed rise after a message.
func TestPrometheusScrapes(t *testing.T) {
	prom := requirePrometheus(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("listen:\n  metrics: 127.0.0.1:0\n"), 0o644)
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	metricsURL, err := url.Parse(srv.waitLog("serving metrics")["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	srv.waitLog("server started")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	web := l.Addr().String()
	l.Close()
	promCfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(promCfg, []byte(fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: switchboard\n    static_configs:\n      - targets: ['%s']\n", metricsURL.Host)), 0o644)
	cmd := exec.Command(prom, "--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+web)
	logFile, _ := os.Create(filepath.Join(dir, "prometheus.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus's log:\n%s", b)
		}
	})

	const query = `sum(switchboard_stanzas_routed_total{kind="message"})`
	before := waitQuery(t, web, query, func(float64) bool { return true })
	alice, _ := login(t, srv, "alice", "a")
	_, bobJID := login(t, srv, "bob", "b")
	for i := range 3 {
		alice.Sendf("<message to='%s' type='chat' id='p%d'><body>counted</body></message>", bobJID, i)
	}
	after := waitQuery(t, web, query, func(v float64) bool { return v >= before+3 })
	t.Logf("%s: %v, then %v", query, before, after)
}

// waitQuery asks Prometheus's query API until query has a value for which
// ok holds, and returns it; it fails the test after a minute.
func waitQuery(t *testing.T, web, query string, ok func(float64) bool) float64 {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	last := "no answer"
	for time.Now().Before(deadline) {
		v, err := instantQuery(web, query)
		if err == nil && ok(v) {
			return v
		}
		last = fmt.Sprint(v, err)
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("Prometheus never answered %s as wanted; last: %s", query, last)
	return 0
}

func instantQuery(web, query string) (float64, error) {
	resp, err := http.Get("http://" + web + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	if r.Status != "success" || len(r.Data.Result) == 0 {
		return 0, fmt.Errorf("status %q, %d results", r.Status, len(r.Data.Result))
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}
