package vcard_test

import (
	"encoding/json"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/vcard"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

const juliet = "juliet@localhost/balcony"

func newHarness(t *testing.T, cfg map[string]any) *sdktest.Harness {
	return sdktest.New(t, vcard.New(), sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
}

func TestTranscript(t *testing.T) {
	newHarness(t, nil).Golden("testdata/vcard.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(vcard.New().Describe().Features, vcard.NS) {
		t.Errorf("disco features lack %s", vcard.NS)
	}
}

func TestSizeLimit(t *testing.T) {
	h := newHarness(t, map[string]any{"max_bytes": 200})
	tests := []struct {
		name  string
		desc  int // bytes of <DESC/> text
		wantC stanza.Condition
	}{
		{"within max_bytes", 50, ""},
		{"over max_bytes", 200, stanza.NotAcceptable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.Handle("<iq type='set' id='s'><vCard xmlns='vcard-temp'><DESC>"+strings.Repeat("x", tt.desc)+"</DESC></vCard></iq>", juliet)
			switch {
			case tt.wantC == "" && r.Err != nil:
				t.Fatalf("got %v, want success", r.Err)
			case tt.wantC != "" && (r.Err == nil || r.Err.Condition != tt.wantC):
				t.Fatalf("got %v, want %s", r.Err, tt.wantC)
			}
		})
	}
}

func TestAvatarHash(t *testing.T) {
	tests := []struct {
		name  string
		vcard string // set by juliet first; "" for none
		want  string
	}{
		{"no vCard", "", ""},
		{"no photo", "<FN>Juliet</FN>", ""},
		// "hello" in base64, wrapped as clients wrap it; SHA-1 of "hello".
		{"photo", "<PHOTO><TYPE>image/png</TYPE><BINVAL>aGVs\n bG8=</BINVAL></PHOTO>", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"},
		{"photo by URL only", "<PHOTO><EXTVAL>https://example.org/j.png</EXTVAL></PHOTO>", ""},
		{"not base64", "<PHOTO><BINVAL>!!!</BINVAL></PHOTO>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			if tt.vcard != "" {
				if r := h.Handle("<iq type='set' id='s'><vCard xmlns='vcard-temp'>"+tt.vcard+"</vCard></iq>", juliet); r.Err != nil {
					t.Fatal(r.Err)
				}
			}
			out, err := h.Invoke("avatar_hash", "presence", []byte(`{"jid":"juliet@localhost"}`))
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Hash string }
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if got.Hash != tt.want {
				t.Errorf("hash = %q, want %q", got.Hash, tt.want)
			}
		})
	}
}

func TestAvatarHashBadRequest(t *testing.T) {
	h := newHarness(t, nil)
	for _, payload := range []string{``, `{}`, `not json`} {
		_, err := h.Invoke("avatar_hash", "presence", []byte(payload))
		var se *stanza.Error
		if !errors.As(err, &se) || se.Condition != stanza.BadRequest {
			t.Errorf("payload %q: error %v, want bad-request", payload, err)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]any
		wantErr string
	}{
		{"defaults", nil, ""},
		{"number as string", map[string]any{"max_bytes": "131072"}, ""},
		{"unknown key", map[string]any{"max_size": 1}, `"max_size"`},
		{"zero", map[string]any{"max_bytes": 0}, "must be positive"},
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
