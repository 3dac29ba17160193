package last

import (
	"context"
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newHarness starts the plugin at a fixed instant. In juliet's roster,
// romeo receives her presence (from) and the nurse does not (to).
func newHarness(t *testing.T) (*sdktest.Harness, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)}
	p := New()
	p.now = c.now
	h := sdktest.New(t, p, sdktest.Options{Logger: hclog.NewNullLogger()})
	h.Provide("roster", "items", func(_ context.Context, _ string, owner []byte) ([]byte, error) {
		items := []map[string]any{}
		if string(owner) == "juliet@localhost" {
			items = append(items, map[string]any{"jid": "romeo@localhost", "subscription": "from"}, map[string]any{"jid": "nurse@localhost", "subscription": "to"})
		}
		return json.Marshal(map[string]any{"ver": "1", "items": items})
	})
	return h, c
}

func TestTranscript(t *testing.T) {
	h, c := newHarness(t)
	c.advance(90 * time.Minute) // the server's uptime
	// juliet logged out 903 seconds ago (XEP-0012 §4's example) from one
	// resource; another is bound but has sent no presence.
	h.SetSessions("juliet@localhost", sdk.Session{JID: "juliet@localhost/chamber", SessionID: "s2"})
	if err := h.Event(sdktest.Event{Kind: sdk.SessionClosed, JID: "juliet@localhost/balcony", SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	c.advance(903 * time.Second)
	h.Golden("testdata/last.xml", *update)
}

func TestOnlineIsZero(t *testing.T) {
	h, c := newHarness(t)
	if err := h.Event(sdktest.Event{Kind: sdk.SessionClosed, JID: "juliet@localhost/balcony", SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Hour)
	h.SetSessions("juliet@localhost", sdk.Session{JID: "juliet@localhost/balcony", SessionID: "s3", Available: true})
	if got := seconds(t, h, "romeo@localhost/orchard", "juliet@localhost"); got != "0" {
		t.Errorf("seconds = %s while juliet is available, want 0", got)
	}
}

func TestUptimeSurvivesReload(t *testing.T) {
	h, c := newHarness(t)
	c.advance(time.Minute)
	if err := h.Configure(nil); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Minute)
	if got := seconds(t, h, "juliet@localhost/balcony", "localhost"); got != "120" {
		t.Errorf("uptime = %s after a reload, want 120", got)
	}
}

func TestAccountDeletedForgets(t *testing.T) {
	h, _ := newHarness(t)
	if err := h.Event(sdktest.Event{Kind: sdk.SessionClosed, JID: "juliet@localhost/balcony", SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Event(sdktest.Event{Kind: sdk.AccountDeleted, JID: "juliet@localhost"}); err != nil {
		t.Fatal(err)
	}
	kvs, err := h.Store("juliet@localhost").Scan(t.Context(), "", "", 0, false)
	if err != nil || len(kvs) != 0 {
		t.Errorf("after deletion the store holds %v (%v)", kvs, err)
	}
}

func TestDescription(t *testing.T) {
	d := New().Describe()
	if !slices.Contains(d.Features, NS) || !slices.Contains(d.Requires, "roster.items") {
		t.Errorf("description = %+v", d)
	}
}

func TestConfigHasNoKeys(t *testing.T) {
	h, _ := newHarness(t)
	if err := h.Configure(map[string]any{"status": true}); err == nil || !strings.Contains(err.Error(), `"status"`) {
		t.Errorf("Configure error = %v, want one naming the key", err)
	}
}

func seconds(t *testing.T, h *sdktest.Harness, from, to string) string {
	t.Helper()
	r := h.Handle("<iq type='get' id='l' to='"+to+"'><query xmlns='jabber:iq:last'/></iq>", from)
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("got %+v", r)
	}
	return r.Replies[0].SelectElement("query").SelectAttrValue("seconds", "")
}
