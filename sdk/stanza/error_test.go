package stanza

import "testing"

func TestAppendXML(t *testing.T) {
	tests := []struct {
		name string
		e    Error
		want string
	}{
		{"condition and text", Error{Condition: ItemNotFound, Text: "a <b>"},
			`<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>a &lt;b&gt;</text></error>`},
		{"application condition with an attribute", Error{Condition: FeatureNotImplemented, AppSpace: "http://jabber.org/protocol/pubsub#errors", AppLocal: "unsupported", AppAttrs: []Attr{{"feature", "it's"}}},
			`<error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='it&apos;s'/></error>`},
		{"application condition with children", Error{Type: Modify, Condition: NotAcceptable, AppSpace: "urn:xmpp:http:upload:0", AppLocal: "file-too-large", AppChildren: []Child{{"max-file-size", "20000"}, {"bad name", "x"}, {"note", "<&>"}}},
			`<error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><file-too-large xmlns='urn:xmpp:http:upload:0'><max-file-size>20000</max-file-size><note>&lt;&amp;&gt;</note></file-too-large></error>`},
		{"children whose names are not XML names", Error{Condition: BadRequest, AppSpace: "urn:x", AppLocal: "y", AppChildren: []Child{{"a><b", "v"}}},
			`<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><y xmlns='urn:x'/></error>`},
		// What a broken or hostile plugin might return cannot break the stream.
		{"names that are not XML names", Error{Type: "x'y", Condition: "a/><evil", AppSpace: "urn:x", AppLocal: "b c"},
			`<error type='cancel'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`},
		{"attribute names that are not XML names", Error{Condition: BadRequest, AppSpace: "urn:x", AppLocal: "y", AppAttrs: []Attr{{"a='1' b", "v"}, {"xmlns", "urn:evil"}, {"ok", "1"}}},
			`<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><y xmlns='urn:x' ok='1'/></error>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
