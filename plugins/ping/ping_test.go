package ping_test

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/ping"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

func TestTranscript(t *testing.T) {
	h := sdktest.New(t, ping.New(), sdktest.Options{Logger: hclog.NewNullLogger()})
	h.Golden("testdata/ping.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(ping.New().Describe().Features, ping.NS) {
		t.Errorf("disco features lack %s", ping.NS)
	}
}

func TestConfigHasNoKeys(t *testing.T) {
	h := sdktest.New(t, ping.New(), sdktest.Options{Logger: hclog.NewNullLogger()})
	err := h.Configure(map[string]any{"interval": 30})
	if err == nil || !strings.Contains(err.Error(), `"interval"`) {
		t.Fatalf("Configure error = %v, want one naming the key", err)
	}
}
