package stream

import "testing"

func TestAttrNS(t *testing.T) {
	el, err := ParseElement([]byte(`<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' xmpp:restart='true' xml:lang='en' restart='no'/>`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ space, local, want string }{
		{"urn:xmpp:xbosh", "restart", "true"},
		{"urn:other", "restart", ""},
		{NSXML, "lang", "en"},
		{"urn:xmpp:xbosh", "version", ""},
	} {
		if got := el.AttrNS(c.space, c.local); got != c.want {
			t.Errorf("AttrNS(%q, %q) = %q, want %q", c.space, c.local, got, c.want)
		}
	}
}

func TestAppendStandalone(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<message to='a@b'><body>hi</body></message>`, `<message xmlns='jabber:client' to='a@b'><body>hi</body></message>`},
		{`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`, `<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`},
		{`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`, `<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`},
	} {
		el, err := ParseElement([]byte(c.in), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(el.AppendStandalone(nil)); got != c.want {
			t.Errorf("AppendStandalone(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
