package client

import (
	"slices"
	"testing"
)

func TestParseFeatures(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want features
	}{
		{"switchboard before TLS",
			"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
			features{startTLS: true}},
		{"mechanisms after TLS",
			"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>PLAIN</mechanism></mechanisms><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/></sasl-channel-binding></stream:features>",
			features{mechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN"}}},
		{"optional session (RFC 6121)",
			"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>",
			features{bind: true}},
		{"prosody style, double quotes",
			`<stream:features><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><required/></bind><session xmlns="urn:ietf:params:xml:ns:xmpp-session"><optional/></session><ver xmlns="urn:xmpp:features:rosterver"/></stream:features>`,
			features{bind: true}},
		{"required session (RFC 3921), self-closing",
			"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>",
			features{bind: true, sessionRequired: true}},
		{"required session, empty element",
			"<stream:features><session xmlns='urn:ietf:params:xml:ns:xmpp-session'></session><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
			features{bind: true, sessionRequired: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseFeatures([]byte(tc.raw))
			if got.startTLS != tc.want.startTLS || got.bind != tc.want.bind || got.sessionRequired != tc.want.sessionRequired ||
				!slices.Equal(got.mechanisms, tc.want.mechanisms) {
				t.Errorf("parseFeatures = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestErrorCondition(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"<iq type='error' id='1'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", "service-unavailable"},
		{"<message type='error'><error type='cancel'><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>", "item-not-found"},
		{"<iq type='error' id='1'><error type='cancel'/></iq>", "undefined-condition"},
	} {
		if got := ErrorCondition([]byte(tc.raw)); got != tc.want {
			t.Errorf("ErrorCondition(%s) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
