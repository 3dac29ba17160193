package wire

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

func TestStanzaRoundTrip(t *testing.T) {
	in := `<iq type="get" id="1"><query xmlns="jabber:iq:roster"><item jid="a&amp;b@d"/></query></iq>`
	el, err := ParseStanza([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if el.Parent() != nil {
		t.Error("the parsed stanza is still attached to its document")
	}
	out, err := MarshalStanza(el)
	if err != nil || string(out) != in {
		t.Fatalf("got %s, %v; want %s", out, err, in)
	}
	if _, err := ParseStanza([]byte("  ")); err == nil {
		t.Error("no element parsed without error")
	}
}

func TestStatusCarriesTheStanzaError(t *testing.T) {
	in := &stanza.Error{Condition: stanza.NotAllowed, Text: "no", AppSpace: "urn:x", AppLocal: "y", AppAttrs: []stanza.Attr{{Name: "feature", Value: "f"}}, AppChildren: []stanza.Child{{Name: "limit", Text: "5"}}}
	got := FromStatus(Status(in))
	var se *stanza.Error
	if !errors.As(got, &se) {
		t.Fatalf("FromStatus = %v, want a *stanza.Error", got)
	}
	want := *in
	want.Type = stanza.Cancel // spelled out on the wire
	if !reflect.DeepEqual(*se, want) {
		t.Errorf("got %#v, want %#v", *se, want)
	}
}

func TestFromStatus(t *testing.T) {
	tests := []struct {
		name string
		in   error
		is   error
		text string
	}{
		{"nil", nil, nil, ""},
		{"deadline", status.Error(codes.DeadlineExceeded, "too slow"), context.DeadlineExceeded, "too slow"},
		{"canceled", status.Error(codes.Canceled, "gone"), context.Canceled, "gone"},
		{"plain status", status.Error(codes.PermissionDenied, "not required"), nil, "permission denied: not required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromStatus(tt.in)
			if tt.in == nil {
				if got != nil {
					t.Fatalf("FromStatus(nil) = %v", got)
				}
				return
			}
			if tt.is != nil && !errors.Is(got, tt.is) {
				t.Errorf("%v is not %v", got, tt.is)
			}
			if !strings.Contains(got.Error(), tt.text) || strings.Contains(got.Error(), "rpc error") {
				t.Errorf("error %q, want %q without gRPC's wording", got, tt.text)
			}
		})
	}
}

func TestErrorOf(t *testing.T) {
	tests := []struct {
		name, in string
		want     *stanza.Error
	}{
		{"defined condition and text",
			`<iq type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error></iq>`,
			&stanza.Error{Type: stanza.Cancel, Condition: stanza.ItemNotFound, Text: "gone"}},
		{"application condition",
			`<message type='error'><error type='modify' by='d'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><blocked xmlns='urn:xmpp:blocking:errors'/></error></message>`,
			&stanza.Error{Type: stanza.Modify, Condition: stanza.NotAcceptable, By: "d", AppSpace: "urn:xmpp:blocking:errors", AppLocal: "blocked"}},
		{"application condition with an attribute",
			`<iq type='error'><error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='retrieve-affiliations'/></error></iq>`,
			&stanza.Error{Type: stanza.Cancel, Condition: stanza.FeatureNotImplemented, AppSpace: "http://jabber.org/protocol/pubsub#errors", AppLocal: "unsupported",
				AppAttrs: []stanza.Attr{{Name: "feature", Value: "retrieve-affiliations"}}}},
		{"application condition with a child",
			`<iq type='error'><error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><file-too-large xmlns='urn:xmpp:http:upload:0'><max-file-size>20000</max-file-size></file-too-large></error></iq>`,
			&stanza.Error{Type: stanza.Modify, Condition: stanza.NotAcceptable, AppSpace: "urn:xmpp:http:upload:0", AppLocal: "file-too-large",
				AppChildren: []stanza.Child{{Name: "max-file-size", Text: "20000"}}}},
		{"no condition", `<iq type='error'><error type='wait'/></iq>`,
			&stanza.Error{Type: stanza.Wait, Condition: stanza.UndefinedCondition}},
		{"no error element", `<iq type='error'/>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el, err := ParseStanza([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got := ErrorOf(el)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}
