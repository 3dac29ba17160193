package sdk_test

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

func str(t *testing.T, el *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIQResult(t *testing.T) {
	get := func() *etree.Element {
		iq := sdk.NewIQ("get", "", "", "q1")
		iq.AddChild(sdk.NewElement("urn:xmpp:ping", "ping"))
		return iq
	}
	tests := []struct {
		name    string
		req     sdk.Request
		payload *etree.Element
		want    string
	}{
		{"to the server", sdk.Request{From: "a@d/r", To: "d"}, nil,
			`<iq type="result" id="q1" from="d" to="a@d/r"/>`},
		{"no 'to': from left out", sdk.Request{From: "a@d/r", To: "a@d", ToOmitted: true}, nil,
			`<iq type="result" id="q1" to="a@d/r"/>`},
		{"before authentication: to left out", sdk.Request{To: "d"}, nil,
			`<iq type="result" id="q1" from="d"/>`},
		{"with payload", sdk.Request{From: "a@d/r", To: "d"}, sdk.NewElement("urn:x", "query"),
			`<iq type="result" id="q1" from="d" to="a@d/r"><query xmlns="urn:x"/></iq>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Stanza = get()
			if got := str(t, sdk.IQResult(&tt.req, tt.payload)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestNewMessageLeavesOutEmptyAttributes(t *testing.T) {
	if got, want := str(t, sdk.NewMessage("d", "a@d/r", "")), `<message from="d" to="a@d/r"/>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
