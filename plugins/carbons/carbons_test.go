package carbons

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

func TestEnableDisable(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.Options{Domain: "localhost"})
	const me = "alice@localhost/phone"
	r := h.Handle("<iq type='set' id='e'><enable xmlns='urn:xmpp:carbons:2'/></iq>", me)
	if r.Err != nil || len(r.Replies) != 1 || r.Replies[0].SelectAttrValue("type", "") != "result" {
		t.Fatalf("enable: %+v", r)
	}
	if !h.SessionOption(me, "carbons") {
		t.Fatal("enable did not switch the session's carbons option on")
	}
	h.Handle("<iq type='set' id='d'><disable xmlns='urn:xmpp:carbons:2'/></iq>", me)
	if h.SessionOption(me, "carbons") {
		t.Fatal("disable left carbons on")
	}
}

func TestErrors(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.Options{Domain: "localhost"})
	tests := []struct {
		name, iq string
		want     stanza.Condition
	}{
		{"someone else's", "<iq type='set' id='x' to='bob@localhost'><enable xmlns='urn:xmpp:carbons:2'/></iq>", stanza.Forbidden},
		{"unknown element", "<iq type='set' id='x'><private xmlns='urn:xmpp:carbons:2'/></iq>", stanza.BadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.Handle(tt.iq, "alice@localhost/phone")
			if r.Err == nil || r.Err.Condition != tt.want {
				t.Fatalf("got %+v, want %s", r, tt.want)
			}
		})
	}
}
