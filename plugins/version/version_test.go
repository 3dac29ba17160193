package version_test

import (
	"flag"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/version"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

func TestTranscript(t *testing.T) {
	h := sdktest.New(t, version.New(), sdktest.Options{Logger: hclog.NewNullLogger(), Config: map[string]any{"version": "1.2.3", "os": "Linux"}})
	h.Golden("testdata/version.xml", *update)
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		name        string
		config      map[string]any
		wantName    string
		wantVersion string // "" means: not empty, whatever the build says
		wantOS      string
	}{
		{"defaults: the OS shown, as Prosody and ejabberd do", nil, "Switchboard", "", runtime.GOOS + "/" + runtime.GOARCH},
		{"configured", map[string]any{"name": "Example IM", "version": "2.0", "os": "Debian GNU/Linux 13"}, "Example IM", "2.0", "Debian GNU/Linux 13"},
		{"os hidden", map[string]any{"show_os": "false", "os": "Linux"}, "Switchboard", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sdktest.New(t, version.New(), sdktest.Options{Logger: hclog.NewNullLogger(), Config: tt.config})
			r := h.Handle(`<iq type='get' id='v1' to='localhost'><query xmlns='jabber:iq:version'/></iq>`, "juliet@localhost/balcony")
			if r.Err != nil || len(r.Replies) != 1 {
				t.Fatalf("got %+v", r)
			}
			q := r.Replies[0].SelectElement("query")
			if got := q.SelectElement("name").Text(); got != tt.wantName {
				t.Errorf("name = %q, want %q", got, tt.wantName)
			}
			got := q.SelectElement("version").Text()
			if (tt.wantVersion != "" && got != tt.wantVersion) || got == "" {
				t.Errorf("version = %q, want %q", got, tt.wantVersion)
			}
			os := ""
			if el := q.SelectElement("os"); el != nil {
				os = el.Text()
			}
			if os != tt.wantOS {
				t.Errorf("os = %q, want %q", os, tt.wantOS)
			}
		})
	}
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(version.New().Describe().Features, version.NS) {
		t.Errorf("disco features lack %s", version.NS)
	}
}

func TestConfigErrors(t *testing.T) {
	h := sdktest.New(t, version.New(), sdktest.Options{Logger: hclog.NewNullLogger()})
	for _, cfg := range []map[string]any{{"name": ""}, {"platform": "linux"}} {
		if err := h.Configure(cfg); err == nil {
			t.Errorf("Configure(%v) accepted", cfg)
		}
	}
	if err := h.Configure(map[string]any{"vesion": "1"}); err == nil || !strings.Contains(err.Error(), `"vesion"`) {
		t.Errorf("Configure error = %v, want one naming the key", err)
	}
}
