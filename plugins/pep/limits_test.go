package pep_test

import (
	"fmt"
	"strings"
	"testing"
)

func publishSized(w *world, node, id string, n int, options string) (string, bool) {
	w.t.Helper()
	xml := fmt.Sprintf(`<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='%s'><item id='%s'><d xmlns='urn:example:d'>%s</d></item></publish>%s</pubsub></iq>`, node, id, strings.Repeat("x", n), options)
	r := w.h.Handle(xml, alice+"/phone")
	if r.Err != nil {
		return canonical(mustParse(w.t, r.Err.String())), false
	}
	return "", true
}

func TestLimits(t *testing.T) {
	// A payload is <d xmlns='urn:example:d'>…</d>: 26 bytes and its text.
	cfg := map[string]any{"max_item_bytes": 1000, "max_result_bytes": 1000, "max_nodes": 2, "max_account_bytes": 2500}
	tests := []struct {
		name  string
		seed  [][2]int // node index and text size published first
		node  int
		size  int
		keep  bool   // nodes keep every item (max_items max)
		wantC string // the error's condition and pubsub condition, "" for success
	}{
		{"an item within max_item_bytes", nil, 0, 900, false, ""},
		{"an item over max_item_bytes", nil, 0, 1000, false, "payload-too-big"},
		{"a third node", [][2]int{{0, 10}, {1, 10}}, 2, 10, false, "at most 2 nodes"},
		{"a new item in an existing node", [][2]int{{0, 10}, {1, 10}}, 1, 10, false, ""},
		{"over max_account_bytes", [][2]int{{0, 900}, {1, 900}}, 1, 900, true, "limited to 2500 bytes"},
		{"an item pushed out frees its bytes", [][2]int{{0, 900}, {1, 900}}, 1, 900, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, cfg)
			opts := ""
			if tt.keep {
				opts = `<publish-options><x xmlns='jabber:x:data' type='submit'><field var='pubsub#max_items'><value>max</value></field></x></publish-options>`
			}
			for _, s := range tt.seed {
				if got, ok := publishSized(w, fmt.Sprintf("n%d", s[0]), "seed", s[1], opts); !ok {
					t.Fatalf("seeding: %s", got)
				}
			}
			got, ok := publishSized(w, fmt.Sprintf("n%d", tt.node), "new", tt.size, opts)
			switch {
			case tt.wantC == "" && !ok:
				t.Fatalf("got %s, want success", got)
			case tt.wantC != "" && (ok || !strings.Contains(got, tt.wantC)):
				t.Fatalf("got %q, want an error with %q", got, tt.wantC)
			}
		})
	}
}

// A result carries the newest items that fit in max_result_bytes, and
// says with RSM how many there are.
func TestResultTruncation(t *testing.T) {
	w := newWorld(t, map[string]any{"max_item_bytes": 200, "max_result_bytes": 500})
	keep := `<publish-options><x xmlns='jabber:x:data' type='submit'><field var='pubsub#max_items'><value>max</value></field></x></publish-options>`
	for i := range 5 {
		if got, ok := publishSized(w, "n", fmt.Sprintf("i%d", i), 150, keep); !ok {
			t.Fatal(got)
		}
	}
	res := canonical(w.do(alice+"/phone", `<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'/></pubsub></iq>`))
	if strings.Count(res, "<item ") != 2 || !strings.Contains(res, `<item id="i3">`) || !strings.Contains(res, `<item id="i4">`) {
		t.Errorf("truncated result holds the wrong items: %s", res)
	}
	if want := `<set xmlns="http://jabber.org/protocol/rsm"><first index="3">i3</first><last>i4</last><count>5</count></set>`; !strings.Contains(res, want) {
		t.Errorf("truncated result %s\nlacks %s", res, want)
	}
}

func TestMaxItemsPerNodeBoundsMax(t *testing.T) {
	w := newWorld(t, map[string]any{"max_items_per_node": 2})
	keep := `<publish-options><x xmlns='jabber:x:data' type='submit'><field var='pubsub#max_items'><value>10000</value></field></x></publish-options>`
	for i := range 3 {
		if got, ok := publishSized(w, "n", fmt.Sprintf("i%d", i), 1, keep); !ok {
			t.Fatal(got)
		}
	}
	res := canonical(w.do(alice+"/phone", `<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'/></pubsub></iq>`))
	if strings.Count(res, "<item ") != 2 || strings.Contains(res, `"i0"`) {
		t.Errorf("a node configured for 10000 items kept: %s", res)
	}
	// The configured value stays what the client asked for, so that its
	// publish options keep matching.
	if got, ok := publishSized(w, "n", "i3", 1, keep); !ok {
		t.Errorf("publishing with the same options again: %s", got)
	}
}

// persist_items false keeps the last item, for delivery at login.
func TestTransientNodeKeepsTheLastItem(t *testing.T) {
	w := newWorld(t, nil)
	opts := `<publish-options><x xmlns='jabber:x:data' type='submit'><field var='pubsub#persist_items'><value>false</value></field><field var='pubsub#max_items'><value>5</value></field></x></publish-options>`
	for i := range 3 {
		if got, ok := publishSized(w, "n", fmt.Sprintf("i%d", i), 1, opts); !ok {
			t.Fatal(got)
		}
	}
	res := canonical(w.do(alice+"/phone", `<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'/></pubsub></iq>`))
	if strings.Count(res, "<item ") != 1 || !strings.Contains(res, `"i2"`) {
		t.Errorf("transient node holds: %s", res)
	}
}

// Lowering max_items drops the oldest items at once.
func TestConfigureTrims(t *testing.T) {
	w := newWorld(t, nil)
	keep := `<publish-options><x xmlns='jabber:x:data' type='submit'><field var='pubsub#max_items'><value>max</value></field></x></publish-options>`
	for i := range 4 {
		if got, ok := publishSized(w, "n", fmt.Sprintf("i%d", i), 1, keep); !ok {
			t.Fatal(got)
		}
	}
	w.do(alice+"/phone", `<iq type='set' id='c'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='n'><x xmlns='jabber:x:data' type='submit'><field var='pubsub#max_items'><value>2</value></field></x></configure></pubsub></iq>`)
	res := canonical(w.do(alice+"/phone", `<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'/></pubsub></iq>`))
	if strings.Count(res, "<item ") != 2 || !strings.Contains(res, `"i2"`) || !strings.Contains(res, `"i3"`) {
		t.Errorf("after lowering max_items: %s", res)
	}
	// Cancelling changes nothing.
	w.do(alice+"/phone", `<iq type='set' id='c2'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='n'><x xmlns='jabber:x:data' type='cancel'/></configure></pubsub></iq>`)
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]any
		wantErr string // "" for none
	}{
		{"defaults", nil, ""},
		{"strings, as from the environment", map[string]any{"max_item_bytes": "1000", "max_result_bytes": "2000", "disco_timeout": "5s"}, ""},
		{"unknown key", map[string]any{"max_item": 3}, `"max_item"`},
		{"zero nodes", map[string]any{"max_nodes": 0}, "must be positive"},
		{"zero timeout", map[string]any{"disco_timeout": "0s"}, "disco_timeout"},
		{"result below item", map[string]any{"max_item_bytes": 1000, "max_result_bytes": 10}, "max_result_bytes must be at least"},
		{"account below item", map[string]any{"max_item_bytes": 1000, "max_account_bytes": 10}, "max_account_bytes must be at least"},
	}
	w := newWorld(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.h.Configure(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Configure: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Configure error = %v, want one containing %s", err, tt.wantErr)
			}
		})
	}
}
