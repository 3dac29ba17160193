package stream

import (
	"strings"
	"testing"
	"testing/iotest"
)

// clientHeader is the header of the stream that forwarded stanzas are
// written into.
const clientHeader = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"

func TestAppendWithFrom(t *testing.T) {
	tests := []struct {
		name   string
		header string
		in     string
		from   string
		want   string
	}{
		{"inserted", testHeader, "<message to='a@b'><body>hi</body></message>", "x@y/r",
			"<message from='x@y/r' to='a@b'><body>hi</body></message>"},
		{"replaced", testHeader, `<message to='a@b' from="old@y"/>`, "x@y/r",
			"<message to='a@b' from='x@y/r'/>"},
		{"replaced with references", testHeader, `<message from='o&amp;ld'  to='a'/>`, "n",
			"<message from='n'  to='a'/>"},
		{"escaped", testHeader, "<presence/>", `a'b"c&d<e>`,
			`<presence from='a&apos;b&quot;c&amp;d&lt;e&gt;'/>`},
		{"prefixed from untouched", "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:p='urn:p'>",
			"<iq p:from='z' type='get'/>", "x",
			"<iq xmlns:p='urn:p' from='x' p:from='z' type='get'/>"},
		{"inherited prefix in a child", testHeader, "<message to='a'><h:x h:a='1'/></message>", "x",
			"<message xmlns:h='urn:example:header' from='x' to='a'><h:x h:a='1'/></message>"},
		{"inherited prefix on the element", testHeader, "<h:x/>", "x",
			"<h:x xmlns:h='urn:example:header' from='x'/>"},
		{"local prefix kept", testHeader, "<message><h:x xmlns:h='urn:local'/></message>", "x",
			"<message from='x'><h:x xmlns:h='urn:local'/></message>"},
		{"stream prefix not declared", testHeader, "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", "x",
			"<stream:error from='x'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"},
		{"other default namespace", "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
			"<message><body/></message>", "x",
			"<message xmlns='jabber:server' from='x'><body/></message>"},
		{"no default namespace", "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
			"<message/>", "x", "<message xmlns='' from='x'/>"},
		{"own default namespace", testHeader, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</auth>", "x",
			"<auth from='x' xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</auth>"},
		{"other stream prefix declared", "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>",
			"<s:features/>", "x", "<s:features xmlns:s='http://etherx.jabber.org/streams' from='x'/>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decodeOne(t, tt.header, tt.in)
			before := summarize(e)
			out := e.AppendWithFrom([]byte("prefix"), tt.from)
			if got := string(out); got != "prefix"+tt.want {
				t.Fatalf("got  %s\nwant prefix%s", got, tt.want)
			}
			again := decodeOne(t, clientHeader, tt.want)
			if again.Name != before.Name || again.Child != before.Child || again.Children != before.Children {
				t.Errorf("re-parsed as %v %v %d, want %v %v %d", again.Name, again.Child, again.Children, before.Name, before.Child, before.Children)
			}
			if got := again.Attr("from"); got != tt.from {
				t.Errorf("re-parsed from = %q, want %q", got, tt.from)
			}
			if again.Text() != before.Text {
				t.Errorf("re-parsed text = %q, want %q", again.Text(), before.Text)
			}
		})
	}
}

func TestAppendWithAddrs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<iq type='get' id='1'/>", "<iq from='f' to='t' type='get' id='1'/>"},
		{"<iq to='old' type='get' from='old'/>", "<iq to='t' type='get' from='f'/>"},
		{"<iq from='old' to='old'/>", "<iq from='f' to='t'/>"},
		{"<iq to='old'><query xmlns='jabber:iq:version'/></iq>", "<iq from='f' to='t'><query xmlns='jabber:iq:version'/></iq>"},
	}
	for _, tt := range tests {
		e := decodeOne(t, testHeader, tt.in)
		if got := string(e.AppendWithAddrs(nil, "f", "t")); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDOM(t *testing.T) {
	e := decodeOne(t, testHeader, "<message to='a@b' xml:lang='de'><body>hi &amp; <![CDATA[<bye>]]></body><h:x h:a='1'/></message>")
	root, err := e.DOM()
	if err != nil {
		t.Fatal(err)
	}
	if root.Parent() != nil {
		t.Error("root still has a parent")
	}
	if root.Tag != "message" || root.NamespaceURI() != NSClient || root.SelectAttrValue("to", "") != "a@b" {
		t.Errorf("root %s in %q, to=%q", root.Tag, root.NamespaceURI(), root.SelectAttrValue("to", ""))
	}
	body := root.SelectElement("body")
	if body == nil || body.Text() != "hi & <bye>" || body.NamespaceURI() != NSClient {
		t.Errorf("body = %v", body)
	}
	x := root.SelectElement("x")
	if x == nil || x.NamespaceURI() != "urn:example:header" {
		t.Errorf("x = %v", x)
	}
}

// TestCopy checks that a copy survives the decoder reusing its buffer.
func TestCopy(t *testing.T) {
	in := testHeader + "<message id='1'><h:x/><body>first &amp; only</body></message>" +
		strings.Repeat("<presence id='filler'><status>busy</status></presence>", 200)
	d := NewDecoder(iotest.HalfReader(strings.NewReader(in)), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	e, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	want := summarize(e)
	c := e.Copy()
	for range 200 {
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if got := summarize(c); got != want {
		t.Fatalf("copy changed:\n%+v\nwant\n%+v", got, want)
	}
	if got := string(c.AppendWithFrom(nil, "a")); got != "<message xmlns:h='urn:example:header' from='a' id='1'><h:x/><body>first &amp; only</body></message>" {
		t.Fatalf("copy rewritten as %s", got)
	}
}

// TestZeroElement checks that the methods of an Element not produced by a
// Decoder do not panic.
func TestZeroElement(t *testing.T) {
	var e Element
	if e.Attr("to") != "" || e.HasAttr("to") || e.Lang() != "" || e.Text() != "" || e.Inner() != nil {
		t.Error("zero Element has content")
	}
	if got := string(e.AppendWithFrom(nil, "x")); got != "" {
		t.Errorf("AppendWithFrom = %q", got)
	}
	if _, err := e.DOM(); err == nil {
		t.Error("DOM of a zero Element succeeded")
	}
}
