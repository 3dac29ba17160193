package private_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/private"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

const juliet = "juliet@localhost/balcony"

func newHarness(t *testing.T, cfg map[string]any) *sdktest.Harness {
	return sdktest.New(t, private.New(), sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
}

func TestTranscript(t *testing.T) {
	newHarness(t, nil).Golden("testdata/private.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(private.New().Describe().Features, private.NS) {
		t.Errorf("disco features lack %s", private.NS)
	}
}

// set stores a <prefs xmlns='ns'/> holding n bytes of text.
func set(h *sdktest.Harness, ns string, n int) sdktest.Response {
	return h.Handle(fmt.Sprintf(`<iq type='set' id='s'><query xmlns='jabber:iq:private'><prefs xmlns='%s'>%s</prefs></query></iq>`, ns, strings.Repeat("x", n)), juliet)
}

func TestLimits(t *testing.T) {
	cfg := map[string]any{"max_item_bytes": 1000, "max_total_bytes": 2000}
	tests := []struct {
		name  string
		sets  []int // text sizes stored first, each under its own namespace
		ns    string
		size  int
		wantC stanza.Condition // "" for success
	}{
		{"small item", nil, "a", 100, ""},
		{"item over max_item_bytes", nil, "a", 1000, stanza.NotAcceptable},
		{"total within max_total_bytes", []int{800}, "c", 800, ""},
		{"total over max_total_bytes", []int{800, 800}, "c", 300, stanza.NotAcceptable},
		{"replacing a namespace frees its old size", []int{800, 800}, "ns0", 300, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, cfg)
			for i, n := range tt.sets {
				if r := set(h, fmt.Sprintf("ns%d", i), n); r.Err != nil {
					t.Fatalf("seeding: %v", r.Err)
				}
			}
			r := set(h, tt.ns, tt.size)
			switch {
			case tt.wantC == "" && r.Err != nil:
				t.Fatalf("got %v, want success", r.Err)
			case tt.wantC != "" && (r.Err == nil || r.Err.Condition != tt.wantC):
				t.Fatalf("got %v, want %s", r.Err, tt.wantC)
			}
		})
	}
}

// What a set stores is where store.go says, and reads back on its own.
func TestKeyScheme(t *testing.T) {
	h := newHarness(t, nil)
	r := h.Handle(`<iq type='set' id='s'><query xmlns='jabber:iq:private' xmlns:b='storage:bookmarks'><b:storage><b:url url='https://example.org/'/></b:storage></query></iq>`, juliet)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	v, err := h.Store("juliet@localhost").Get(context.Background(), "ns/storage:bookmarks")
	if err != nil {
		t.Fatal(err)
	}
	want := `<query xmlns="jabber:iq:private"><b:storage xmlns:b="storage:bookmarks"><b:url url="https://example.org/"/></b:storage></query>`
	if string(v) != want {
		t.Errorf("stored\n %s\nwant\n %s", v, want)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]any
		wantErr string // "" for none
	}{
		{"defaults", nil, ""},
		{"numbers as strings, as from the environment", map[string]any{"max_item_bytes": "100", "max_total_bytes": "1000"}, ""},
		{"unknown key", map[string]any{"max_items": 3}, `"max_items"`},
		{"zero item size", map[string]any{"max_item_bytes": 0}, "must be positive"},
		{"total below item size", map[string]any{"max_item_bytes": 100, "max_total_bytes": 10}, "at least max_item_bytes"},
	}
	h := newHarness(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Configure(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Configure: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Configure error = %v, want one containing %s", err, tt.wantErr)
			}
		})
	}
}
