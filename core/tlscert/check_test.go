package tlscert

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// writePair writes a generated certificate for domain and its key to dir.
func writePair(t *testing.T, dir, domain string) (certFile, keyFile string) {
	t.Helper()
	c, k, err := generate(domain)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, domain+".pem"), filepath.Join(dir, domain+".key")
	if err := os.WriteFile(certFile, c, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, k, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestCheckFiles: the checks config check makes of configured files: the
// pair belongs together, names the domain, and is valid now.
func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	cert, key := writePair(t, dir, "example.org")
	_, otherKey := writePair(t, dir, "other.example")
	now := time.Now()
	for _, tc := range []struct {
		name              string
		cert, key, domain string
		at                time.Time
		want              string // "" for no error
	}{
		{"fit", cert, key, "example.org", now, ""},
		{"another name", cert, key, "chat.example.net", now, "not valid for the domain chat.example.net"},
		{"key of another certificate", cert, otherKey, "example.org", now, "private key does not match"},
		{"missing file", filepath.Join(dir, "none.pem"), key, "example.org", now, "none.pem"},
		{"expired", cert, key, "example.org", now.AddDate(30, 0, 0), "expired on"},
		{"not yet valid", cert, key, "example.org", now.AddDate(0, 0, -2), "not valid before"},
	} {
		err := CheckFiles(tc.cert, tc.key, tc.domain, tc.at)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestServingAnotherNameWarns: a configured certificate for another name
// is served, with a WARN that says so (it went unnoticed before).
func TestServingAnotherNameWarns(t *testing.T) {
	cert, key := writePair(t, t.TempDir(), "other.example")
	var logged bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &logged, Level: hclog.Info})
	if _, err := New(Source{CertFile: cert, KeyFile: key, Domains: []string{"example.org"}}, log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logged.String(), "[WARN]") || !strings.Contains(logged.String(), "not valid for the domain example.org") {
		t.Errorf("log: %q; want a WARN naming the domain", logged.String())
	}
}
