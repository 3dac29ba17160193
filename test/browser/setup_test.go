package browser

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/debian"
)

// setupHelp is what a developer runs once, from the repository root, to
// give this test its browser and packages; .ci/run does the same.
const setupHelp = "install them once from the repository root: apt-get update && apt-get install -y chromium && npm ci --prefix test/browser (.ci/run does this)"

// tools are the programs the test drives.
type tools struct {
	node, chromium string
}

// requireTools finds the browser and the npm packages, installing what is
// missing where it can — Debian's chromium with apt-get when running as
// root, the pinned packages with npm ci — so that `go test ./...` does
// everything on a fresh machine. It fails the test, never skips it, when
// something is still missing.
func requireTools(t *testing.T) tools {
	t.Helper()
	var tl tools
	var err error
	if tl.node, err = exec.LookPath("node"); err != nil {
		t.Fatalf("node not found: %v; %s", err, setupHelp)
	}
	if _, err := exec.LookPath("chromium"); err != nil && os.Geteuid() == 0 {
		t.Log("setting up the browser test: apt-get install chromium")
		if err := debian.Install(t.Context(), false, "chromium"); err != nil {
			t.Log(err)
		}
	}
	if tl.chromium, err = exec.LookPath("chromium"); err != nil {
		t.Fatalf("Debian's chromium not found: %v; %s", err, setupHelp)
	}
	needed := []string{"node_modules/converse.js/dist/converse.min.js", "node_modules/playwright-core/package.json"}
	for _, p := range needed {
		if _, err := os.Stat(p); err != nil {
			install(t, ".", "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
			break
		}
	}
	for _, p := range needed {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("test/browser/%s missing: %v; %s", p, err, setupHelp)
		}
	}
	return tl
}

// install runs a setup command, saying what it does, since it takes a
// while the first time.
func install(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	t.Logf("setting up the browser test: %s %v", name, args)
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("%s failed: %v\n%s", name, err, out)
	}
}

// servePage serves index.html at / and Converse's built assets at /dist/,
// on an origin of its own: the page reaches the XMPP server cross-origin,
// as a page on a web site would.
func servePage(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, "index.html") })
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.Handle("/dist/", http.FileServer(http.Dir(filepath.Join("node_modules", "converse.js"))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// spkiHash is the base64 SHA-256 of the public key of the certificate that
// addr presents, the form Chromium's --ignore-certificate-errors-spki-list
// takes: the browser trusts this server's self-signed certificate and
// nothing else.
func spkiHash(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("reading the WebSocket listener's certificate: %v", err)
	}
	defer conn.Close()
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}
