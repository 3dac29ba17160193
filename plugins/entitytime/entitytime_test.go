package entitytime

import (
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// at is the instant of XEP-0202's example: 2006-12-19T17:58:35Z.
var at = time.Date(2006, 12, 19, 17, 58, 35, 0, time.UTC)

func newHarness(t *testing.T, config map[string]any) *sdktest.Harness {
	t.Helper()
	p := New()
	p.now = func() time.Time { return at }
	return sdktest.New(t, p, sdktest.Options{Logger: hclog.NewNullLogger(), Config: config})
}

func TestTranscript(t *testing.T) {
	newHarness(t, map[string]any{"timezone": "UTC"}).Golden("testdata/time.xml", *update)
}

func TestOffsets(t *testing.T) {
	tests := []struct {
		zone, tzo string
	}{
		{"UTC", "+00:00"},
		{"America/Denver", "-07:00"}, // XEP-0202 §3: MST in December
		{"Asia/Kolkata", "+05:30"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			h := newHarness(t, map[string]any{"timezone": tt.zone})
			r := h.Handle(`<iq type='get' id='t1' to='localhost'><time xmlns='urn:xmpp:time'/></iq>`, "juliet@localhost/balcony")
			if r.Err != nil || len(r.Replies) != 1 {
				t.Fatalf("got %+v", r)
			}
			q := r.Replies[0].SelectElement("time")
			if got := q.SelectElement("tzo").Text(); got != tt.tzo {
				t.Errorf("tzo = %q, want %q", got, tt.tzo)
			}
			if got := q.SelectElement("utc").Text(); got != "2006-12-19T17:58:35Z" {
				t.Errorf("utc = %q", got)
			}
		})
	}
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(New().Describe().Features, NS) {
		t.Errorf("disco features lack %s", NS)
	}
}

func TestConfigErrors(t *testing.T) {
	h := newHarness(t, nil)
	for _, tt := range []struct {
		config map[string]any
		want   string
	}{
		{map[string]any{"timezone": "Mars/Olympus"}, "Mars/Olympus"},
		{map[string]any{"timezone": ""}, "timezone"},
		{map[string]any{"zone": "UTC"}, `"zone"`},
	} {
		if err := h.Configure(tt.config); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Configure(%v) error = %v, want one mentioning %s", tt.config, err, tt.want)
		}
	}
}
