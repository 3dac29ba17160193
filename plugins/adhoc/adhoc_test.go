package adhoc_test

import (
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/adhoc"
	"github.com/switchboard-xmpp/switchboard/plugins/adhoc/adhocapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// The protocol's refusals: who is not an admin, what is not a command,
// what is not an action, a session that does not exist.
func TestTranscript(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	h.Golden("testdata/commands.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(adhoc.New().Describe().Features, adhoc.NS) {
		t.Errorf("disco features lack %s", adhoc.NS)
	}
}

// listedNodes are the nodes of every command, the admin ones after
// http://jabber.org/protocol/admin.
var listedNodes = []string{"#add-user", "#delete-user", "#end-user-session", "#change-user-password",
	"#get-registered-users-num", "#get-registered-users-list", "#get-online-users-num", "#get-online-users-list", "#announce",
	"ping"}

// The listing disco serves is published on every Configure and every
// change of the loaded plugins, with only the commands the Host can run.
func TestListingPublished(t *testing.T) {
	for _, tt := range []struct {
		name string
		full bool
		want []string
	}{
		{"sdk host", false, listedNodes},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHarness(t, map[string]any{"admins": []string{"juliet@localhost", "nurse@localhost"}}, tt.full)
			checkListing(t, h.Published(), tt.want, []string{"juliet@localhost", "nurse@localhost"})
			if err := h.Event(sdktest.Event{Kind: sdk.ManifestsChanged}); err != nil {
				t.Fatal(err)
			}
			checkListing(t, h.Published(), tt.want, []string{"juliet@localhost", "nurse@localhost"})
		})
	}
}

func checkListing(t *testing.T, pubs []sdktest.Publication, nodes, jids []string) {
	t.Helper()
	if len(pubs) != 1 || pubs[0].Topic != adhocapi.TopicCommands {
		t.Fatalf("published %+v, want one listing on %q", pubs, adhocapi.TopicCommands)
	}
	var l adhocapi.Listing
	if err := json.Unmarshal(pubs[0].Payload, &l); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range l.Commands {
		got = append(got, strings.TrimPrefix(c.Node, nsAdmin))
		switch {
		case c.Node == "ping":
			if c.Name != "Ping" || !c.Everyone || len(c.JIDs) != 0 {
				t.Errorf("command %+v, want Ping for everyone", c)
			}
		case c.Name == "" || c.Everyone || !slices.Equal(c.JIDs, jids):
			t.Errorf("command %+v, want a name and jids %v", c, jids)
		}
	}
	if !slices.Equal(got, nodes) {
		t.Errorf("listed %v, want %v", got, nodes)
	}
}

// A user who is no admin has a command to run: Ping, listed for every
// account and completed at once. With no admins at all it is still there.
func TestPingForEveryone(t *testing.T) {
	for _, config := range []map[string]any{adminConfig, nil} {
		h, _ := newHarness(t, config, false)
		checkListing(t, h.Published(), listedNodes, listedAdmins(config))
		cmd := execute(t, h, stranger, "ping")
		if cmd.SelectAttrValue("status", "") != "completed" || cmd.SelectAttrValue("sessionid", "") == "" {
			t.Errorf("ping by a user: %v", cmd)
		}
		if n := notes(cmd); len(n) != 1 || !strings.HasPrefix(n[0], "info: Pong, ") {
			t.Errorf("ping notes %q, want one info note with Pong", n)
		}
	}
}

// listedAdmins is the jids the listing gives admin commands for config.
func listedAdmins(config map[string]any) []string {
	if a, ok := config["admins"].([]string); ok {
		return a
	}
	return []string{}
}

// Commands the Host cannot serve are not only unlisted: they do not
// exist.
// Dropping an admin from the config takes effect at once, also in the
// sessions it had open.
func TestAdminRemovedByReload(t *testing.T) {
	h, _ := newHarness(t, adminConfig, false)
	id := execute(t, h, admin, nsAdmin+"#add-user").SelectAttrValue("sessionid", "")
	if err := h.Configure(map[string]any{"admins": []string{"nurse@localhost"}}); err != nil {
		t.Fatal(err)
	}
	r := submit(h, admin, nsAdmin+"#add-user", id, "complete", map[string][]string{"accountjid": {"tybalt@localhost"}, "password": {"pw"}})
	wantErr(t, r, "forbidden", "")
}

func TestConfigErrors(t *testing.T) {
	h, _ := newHarness(t, nil, false)
	for _, tt := range []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"unknown key", map[string]any{"admin": []string{"juliet@localhost"}}, `"admin"`},
		{"not a JID", map[string]any{"admins": []string{"a@b@c"}}, "admins[0]"},
		{"a domain", map[string]any{"admins": []string{"localhost"}}, "admins[0]"},
		{"a full JID", map[string]any{"admins": []string{"juliet@localhost", "juliet@localhost/balcony"}}, "admins[1]"},
		{"another domain", map[string]any{"admins": []string{"juliet@example.org"}}, "admins[0]"},
		{"timeout not positive", map[string]any{"session_timeout": "0s"}, "session_timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.Configure(tt.config); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Configure error = %v, want one mentioning %s", err, tt.want)
			}
		})
	}
}
