package pep_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/disco/discoapi"
	"github.com/switchboard-xmpp/switchboard/plugins/pep"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// What a publish stores is where store.go says; a node name with a slash
// does not run into another node's keys.
func TestKeyScheme(t *testing.T) {
	w := newWorld(t, nil)
	for _, node := range []string{"a", "a/b"} {
		w.do(alice+"/phone", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='`+node+`'><item id='x/1'><v xmlns='urn:example:v'/></item></publish></pubsub></iq>`)
	}
	kvs, err := w.h.Store(alice).Scan(context.Background(), "", "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range kvs {
		keys = append(keys, kv.Key)
	}
	want := []string{"item/a%2Fb/x/1", "item/a/x/1", "node/a", "node/a%2Fb", "seq/a%2Fb/0000000000000001", "seq/a/0000000000000001"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %q\nwant %q", keys, want)
	}
	v, _ := w.h.Store(alice).Get(context.Background(), "seq/a/0000000000000001")
	var it struct{ ID, Payload string }
	if err := json.Unmarshal(v, &it); err != nil || it.ID != "x/1" || it.Payload != `<v xmlns="urn:example:v"/>` {
		t.Errorf("stored item %s", v)
	}
	// Items of "a" are not those of "a/b".
	res := canonical(w.do(alice+"/phone", `<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='a'/></pubsub></iq>`))
	if strings.Count(res, "<item ") != 1 {
		t.Errorf("items of a: %s", res)
	}
}

// A payload that uses a prefix declared on the stanza reads back whole.
func TestPayloadWithInheritedPrefix(t *testing.T) {
	w := newWorld(t, nil)
	w.do(alice+"/phone", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub' xmlns:g='http://jabber.org/protocol/geoloc'><publish node='http://jabber.org/protocol/geoloc'><item id='current'><g:geoloc><g:lat>45.44</g:lat></g:geoloc></item></publish></pubsub></iq>`)
	res := canonical(w.do(alice+"/phone", `<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='http://jabber.org/protocol/geoloc'/></pubsub></iq>`))
	if !strings.Contains(res, `<g:geoloc xmlns:g="http://jabber.org/protocol/geoloc"><g:lat>45.44</g:lat></g:geoloc>`) {
		t.Errorf("payload read back as %s", res)
	}
}

func TestDisco(t *testing.T) {
	d := pep.New().Describe()
	pepID := sdk.Identity{Category: "pubsub", Type: "pep"}
	if !slices.Contains(d.Identities, pepID) || !slices.Contains(d.AccountIdentities, pepID) {
		t.Errorf("identity pubsub/pep missing: server %v, account %v", d.Identities, d.AccountIdentities)
	}
	// The seed's server advertises these; XEP-0163 clients look for the rest.
	for _, f := range []string{pep.NS, pep.NSOwner, pep.NS + "#publish"} {
		if !slices.Contains(d.Features, f) {
			t.Errorf("server features lack %s", f)
		}
	}
	for _, f := range []string{"#publish-options", "#auto-create", "#config-node-max", "#access-whitelist", "#filtered-notifications", "#last-published", "#multi-items"} {
		if !slices.Contains(d.AccountFeatures, pep.NS+f) {
			t.Errorf("account features lack %s", pep.NS+f)
		}
	}
}

func TestNodesMethod(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	for _, opt := range [][2]string{{"urn:example:open", "open"}, {"urn:example:presence", "presence"}, {"urn:example:white", "whitelist"}} {
		w.do(alice+"/phone", `<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='`+opt[0]+`'><item id='1'><v xmlns='urn:example:v'/></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'><field var='pubsub#access_model'><value>`+opt[1]+`</value></field></x></publish-options></pubsub></iq>`)
	}
	tests := []struct {
		requester string
		want      []string
	}{
		{alice, []string{"urn:example:open", "urn:example:presence", "urn:example:white"}},
		{bob, []string{"urn:example:open", "urn:example:presence"}},
		{carol, []string{"urn:example:open"}},
	}
	for _, tt := range tests {
		payload, _ := json.Marshal(discoapi.NodesRequest{Owner: alice, Requester: tt.requester})
		out, err := w.h.Invoke("nodes", "disco", payload)
		if err != nil {
			t.Fatal(err)
		}
		var res discoapi.NodesResult
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range res.Nodes {
			got = append(got, n.Node)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("nodes for %s: %q, want %q", tt.requester, got, tt.want)
		}
	}
	if _, err := w.h.Invoke("nodes", "disco", []byte("alice")); err == nil {
		t.Error("a malformed payload was accepted")
	}
}

// Deleting an account forgets its sessions; the core deletes its data.
func TestAccountDeleted(t *testing.T) {
	w := newWorld(t, nil)
	w.online(alice+"/phone", 0, nickNS+"+notify")
	if err := w.h.Event(sdktest.Event{Kind: sdk.AccountDeleted, JID: alice}); err != nil {
		t.Fatal(err)
	}
	if w.p.Settled(alice + "/phone") {
		t.Error("the deleted account's session is still known")
	}
}
