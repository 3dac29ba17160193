package caps

import "testing"

// The examples of XEP-0115 §5.2 (simple) and §5.3 (complex).
func TestVer(t *testing.T) {
	features := []string{
		"http://jabber.org/protocol/caps",
		"http://jabber.org/protocol/disco#info",
		"http://jabber.org/protocol/disco#items",
		"http://jabber.org/protocol/muc",
	}
	tests := []struct {
		name       string
		identities []Identity
		features   []string
		forms      []Form
		wantS      string
		wantVer    string
	}{
		{
			name:       "simple, §5.2",
			identities: []Identity{{Category: "client", Type: "pc", Name: "Exodus 0.9.1"}},
			features:   []string{features[3], features[1], features[0], features[2]},
			wantS:      "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<",
			wantVer:    "QgayPKawpkPSDYmwT/WM94uAlu0=",
		},
		{
			name: "complex, §5.3",
			identities: []Identity{
				{Category: "client", Type: "pc", Lang: "en", Name: "Psi 0.11"},
				{Category: "client", Type: "pc", Lang: "el", Name: "Ψ 0.11"},
			},
			features: features,
			forms: []Form{{Fields: []Field{
				{Var: "FORM_TYPE", Values: []string{"urn:xmpp:dataforms:softwareinfo"}},
				{Var: "ip_version", Values: []string{"ipv6", "ipv4"}},
				{Var: "os", Values: []string{"Mac"}},
				{Var: "os_version", Values: []string{"10.5.1"}},
				{Var: "software", Values: []string{"Psi"}},
				{Var: "software_version", Values: []string{"0.11"}},
			}}},
			wantS: "client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<" +
				"http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<" +
				"urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<software<Psi<software_version<0.11<",
			wantVer: "q07IKJEyjvHSyhy//CH0CxmKi8w=",
		},
		{
			name:       "a form without FORM_TYPE is left out",
			identities: []Identity{{Category: "client", Type: "pc", Name: "Exodus 0.9.1"}},
			features:   features,
			forms:      []Form{{Fields: []Field{{Var: "os", Values: []string{"Mac"}}}}},
			wantS:      "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<",
			wantVer:    "QgayPKawpkPSDYmwT/WM94uAlu0=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s := Input(tt.identities, tt.features, tt.forms); s != tt.wantS {
				t.Errorf("Input =\n %q\nwant\n %q", s, tt.wantS)
			}
			if v := Ver(tt.identities, tt.features, tt.forms); v != tt.wantVer {
				t.Errorf("Ver = %q, want %q", v, tt.wantVer)
			}
		})
	}
}

func TestVerLeavesInputsAlone(t *testing.T) {
	features := []string{"b", "a"}
	ids := []Identity{{Category: "z"}, {Category: "a"}}
	Ver(ids, features, nil)
	if features[0] != "b" || ids[0].Category != "z" {
		t.Error("Ver sorted its arguments in place")
	}
}

func TestStreamFeature(t *testing.T) {
	got := StreamFeature("https://example.org/a'b", "QgayPKawpkPSDYmwT/WM94uAlu0=")
	want := `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org/a&apos;b' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>`
	if got != want {
		t.Errorf("StreamFeature =\n %s\nwant\n %s", got, want)
	}
}
