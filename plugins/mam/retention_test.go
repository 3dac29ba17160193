package mam

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// expire deletes what is older than the retention, oldest first, in
// every archive, indexes included.
func TestExpire(t *testing.T) {
	for _, kind := range fixtureKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := kind.new(t, map[string]any{"retention": "1h"})
			f.conversation(5) // t0 … t0+4m, in Juliet's and Romeo's archives
			n, err := f.m.expire(context.Background(), t0.Add(time.Hour+2*time.Minute+30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if n != 6 {
				t.Errorf("deleted %d messages, want 3 from each archive", n)
			}
			if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, ids(3, 4)) {
				t.Errorf("Juliet's archive after expiry %q, want %q", o.ids, ids(3, 4))
			}
			if o := f.query(julietFull, field("with", romeo), ""); !slices.Equal(o.ids, ids(3, 4)) {
				t.Errorf("by peer after expiry %q, want %q", o.ids, ids(3, 4))
			}
			if o := f.query(julietFull, "", "<after>j-1</after>"); o.err != "item-not-found" {
				t.Errorf("paging after an expired id: error %q, want item-not-found", o.err)
			}
			for _, prefix := range []string{msgPrefix, idPrefix} {
				want := 2
				if prefix == idPrefix && !f.legacyIDs {
					want = 0 // found through their time
				}
				if n := len(f.keys(juliet, prefix)); n != want {
					t.Errorf("%d keys under %s, want %d", n, prefix, want)
				}
			}
			if got, want := f.indexed(juliet), []string{romeo + " j-3", romeo + " j-4"}; !slices.Equal(got, want) {
				t.Errorf("index by peer after expiry %q, want %q", got, want)
			}
			// Nothing more is old enough.
			if n, err := f.m.expire(context.Background(), t0.Add(time.Hour+2*time.Minute+30*time.Second)); n != 0 || err != nil {
				t.Errorf("second expiry deleted %d, %v", n, err)
			}
		})
	}
}

// An archive longer than a page of the cleanup expires whole.
func TestExpireManyPages(t *testing.T) {
	f := newFixture(t, map[string]any{"retention": "1h"})
	var all []msg
	for i := range expirePage*2 + 5 {
		all = append(all, chat(romeoFull, julietFull, "x", t0.Add(time.Duration(i)*time.Millisecond), i)...)
	}
	f.observe(all...)
	if _, err := f.m.expire(context.Background(), t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if keys := f.keys(juliet, ""); len(keys) != 0 {
		t.Errorf("%d keys left, want none: %q…", len(keys), keys[:min(3, len(keys))])
	}
}

func TestNoRetention(t *testing.T) {
	f := newFixture(t, map[string]any{"retention": "0s"})
	f.conversation(2)
	if n, err := f.m.expire(context.Background(), t0.Add(100*365*24*time.Hour)); n != 0 || err != nil {
		t.Errorf("expire with retention 0 deleted %d, %v", n, err)
	}
}

// The cleanup runs by itself, every cleanup_interval.
func TestCleanupRuns(t *testing.T) {
	f := newFixture(t, map[string]any{"retention": "1h", "cleanup_interval": "5ms"})
	f.observe(chat(romeoFull, julietFull, "old", time.Now().Add(-2*time.Hour), 0)...)
	f.observe(chat(romeoFull, julietFull, "new", time.Now(), 1)...)
	deadline := time.Now().Add(5 * time.Second)
	for len(f.keys(juliet, msgPrefix)) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the old message is still there: %q", f.keys(juliet, msgPrefix))
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A reload that turns retention off stops it.
	if err := f.h.Configure(map[string]any{"retention": "0s"}); err != nil {
		t.Fatal(err)
	}
	f.m.janitor.mu.Lock()
	running := f.m.janitor.cancel != nil
	f.m.janitor.mu.Unlock()
	if running {
		t.Error("the cleanup still runs with retention 0")
	}
}

func TestCleanupWithoutConfigure(t *testing.T) {
	if err := New().Cleanup(); err != nil {
		t.Errorf("Cleanup before Configure: %v", err)
	}
	m := New()
	h := sdktest.New(t, m, sdktest.Options{})
	if err := h.Configure(map[string]any{"retention": "-1h"}); err == nil {
		t.Fatal("negative retention accepted")
	}
	if err := m.Cleanup(); err != nil {
		t.Errorf("Cleanup after a failed Configure: %v", err)
	}
}

// A deleted account leaves the owner index; the core deletes the rest.
func TestAccountDeleted(t *testing.T) {
	f := newFixture(t, nil)
	f.conversation(1)
	if got := f.keys("", ownerPrefix); !slices.Equal(got, []string{"owner/juliet@localhost", "owner/romeo@localhost"}) {
		t.Fatalf("owner index %q", got)
	}
	if err := f.h.Event(sdktest.Event{Kind: sdk.AccountDeleted, JID: juliet}); err != nil {
		t.Fatal(err)
	}
	if got := f.keys("", ownerPrefix); !slices.Equal(got, []string{"owner/romeo@localhost"}) {
		t.Errorf("owner index after deleting Juliet %q", got)
	}
	// Archiving for her again lists her again.
	f.observe(chat(romeoFull, julietFull, "x", t0.Add(time.Hour), 9)...)
	if got := f.keys("", ownerPrefix); len(got) != 2 {
		t.Errorf("owner index %q, want Juliet back", got)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]any
		wantErr string
	}{
		{"defaults", nil, ""},
		{"strings", map[string]any{"retention": "720h", "page_size": "20", "max_page_size": "100"}, ""},
		{"forever", map[string]any{"retention": "0s"}, ""},
		{"unknown key", map[string]any{"retension": "1h"}, `"retension"`},
		{"negative retention", map[string]any{"retention": "-1s"}, "retention"},
		{"zero interval", map[string]any{"cleanup_interval": "0s"}, "cleanup_interval"},
		{"page over max", map[string]any{"page_size": 300}, "page_size"},
		{"zero page", map[string]any{"page_size": 0}, "page_size"},
		{"huge max", map[string]any{"max_page_size": 100000}, "max_page_size"},
		{"bad preference", map[string]any{"default_preference": "sometimes"}, "default_preference"},
	}
	f := newFixture(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.h.Configure(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Configure: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Configure error = %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestDescription(t *testing.T) {
	d := New().Describe()
	for _, f := range []string{NS, NSExtended, NSStanzaID} {
		if !slices.Contains(d.AccountFeatures, f) {
			t.Errorf("account features lack %s", f)
		}
	}
	// Clients such as profanity look for MAM only on the server's domain;
	// ejabberd advertises it there too.
	if !slices.Equal(d.Features, []string{NS}) {
		t.Errorf("server features %q, want %s alone", d.Features, NS)
	}
	if d.Observe == nil {
		t.Error("the plugin does not observe messages")
	}
}
