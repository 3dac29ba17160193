package stream

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestElements(t *testing.T) {
	type want struct {
		name, child Name
		children    int
		attrs       map[string]string
		lang        string
		text        string
		inner       string
		self        bool
	}
	client := func(local string) Name { return Name{Space: NSClient, Local: local} }
	tests := []struct {
		name string
		in   string
		want want
	}{
		{"both quote styles", `<message to='a@b' from="c@d" id='a"b' type="x'y"/>`, want{
			name: client("message"), self: true,
			attrs: map[string]string{"to": "a@b", "from": "c@d", "id": `a"b`, "type": "x'y", "lang": ""},
		}},
		{"references in attribute", `<message id='&lt;&amp;&gt;&quot;&apos;&#65;&#x42;&#x1F600;'/>`, want{
			name: client("message"), self: true, attrs: map[string]string{"id": `<&>"'AB😀`},
		}},
		{"attribute white space normalized", "<message id='a\tb\r\nc&#10;d'/>", want{
			name: client("message"), self: true, attrs: map[string]string{"id": "a b c\nd"},
		}},
		{"gt and other quote in attribute", `<message id='>"' type=">'"/>`, want{
			name: client("message"), self: true, attrs: map[string]string{"id": `>"`, "type": `>'`},
		}},
		{"spaces around equals", "<message id = '1'\n\ttype\t=\"chat\" />", want{
			name: client("message"), self: true, attrs: map[string]string{"id": "1", "type": "chat"},
		}},
		{"references in text", "<body>a&amp;b&#10;&#x263A;&lt;&gt;</body>", want{
			name: client("body"), text: "a&b\n☺<>", inner: "a&amp;b&#10;&#x263A;&lt;&gt;",
		}},
		{"SASL auth", "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldAByMG0zMG15cjBtMzA=</auth>", want{
			name: Name{NSSASL, "auth"}, attrs: map[string]string{"mechanism": "PLAIN", "xmlns": NSSASL},
			text: "AGp1bGlldAByMG0zMG15cjBtMzA=", inner: "AGp1bGlldAByMG0zMG15cjBtMzA=",
		}},
		{"CDATA", "<body>a<![CDATA[<b>&amp;]]]]>c<![CDATA[]]></body>", want{
			name: client("body"), text: "a<b>&amp;]]c", inner: "a<![CDATA[<b>&amp;]]]]>c<![CDATA[]]>",
		}},
		{"CDATA with brackets and gt", "<body><![CDATA[]>]]]></body>", want{
			name: client("body"), text: "]>]", inner: "<![CDATA[]>]]]>",
		}},
		{"line ends normalized in text", "<body>a\r\nb\rc<![CDATA[d\r\ne]]></body>", want{
			name: client("body"), text: "a\nb\ncd\ne", inner: "a\r\nb\rc<![CDATA[d\r\ne]]>",
		}},
		{"brackets in text", "<body>]] ]>]</body>", want{name: client("body"), text: "]] ]>]", inner: "]] ]>]"}},
		{"gt in text", "<body>a>b</body>", want{name: client("body"), text: "a>b", inner: "a>b"}},
		{"empty element", "<presence></presence>", want{name: client("presence")}},
		{"self-closing with space", "<presence />", want{name: client("presence"), self: true}},
		{"end tag with space", "<presence></presence \n>", want{name: client("presence")}},
		{"iq with a child", "<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>", want{
			name: client("iq"), child: Name{"urn:xmpp:ping", "ping"}, children: 1,
			attrs: map[string]string{"type": "get", "id": "1", "to": ""}, inner: "<ping xmlns='urn:xmpp:ping'/>",
		}},
		{"nested", "<iq type='result' id='r'><query xmlns='jabber:iq:roster'><item jid='a@b'><group>G</group></item><item jid='c@d'/></query></iq>", want{
			name: client("iq"), child: Name{"jabber:iq:roster", "query"}, children: 1, attrs: map[string]string{"id": "r"},
			inner: "<query xmlns='jabber:iq:roster'><item jid='a@b'><group>G</group></item><item jid='c@d'/></query>",
		}},
		{"several children", "<message><body>x</body><thread>t</thread><active xmlns='http://jabber.org/protocol/chatstates'/></message>", want{
			name: client("message"), child: client("body"), children: 3,
			inner: "<body>x</body><thread>t</thread><active xmlns='http://jabber.org/protocol/chatstates'/>",
		}},
		{"local prefix", "<p:foo xmlns:p='urn:p' p:attr='1' xml:lang='de'><p:bar/><bar/></p:foo>", want{
			name: Name{"urn:p", "foo"}, child: Name{"urn:p", "bar"}, children: 2, lang: "de",
			attrs: map[string]string{"attr": ""}, inner: "<p:bar/><bar/>",
		}},
		{"header prefix", "<h:foo><h:bar/></h:foo>", want{
			name: Name{"urn:example:header", "foo"}, child: Name{"urn:example:header", "bar"}, children: 1, inner: "<h:bar/>",
		}},
		{"stream prefix", "<stream:features/>", want{name: Name{NSStream, "features"}, self: true}},
		{"prefix shadowed", "<h:a xmlns:h='urn:local'><h:b/></h:a>", want{
			name: Name{"urn:local", "a"}, child: Name{"urn:local", "b"}, children: 1, inner: "<h:b/>",
		}},
		{"default undeclared", "<a xmlns=''><b/></a>", want{name: Name{"", "a"}, child: Name{"", "b"}, children: 1, inner: "<b/>"}},
		{"namespace with reference", "<a xmlns='urn:a&amp;b'/>", want{name: Name{"urn:a&b", "a"}, self: true}},
		{"redundant xml declaration", "<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='fr'/>", want{
			name: client("a"), lang: "fr", self: true,
		}},
		{"non-ASCII names and text", "<méssage xmlns='urn:é' ün='ü'>日本語</méssage>", want{
			name: Name{"urn:é", "méssage"}, attrs: map[string]string{"ün": "ü"}, text: "日本語", inner: "日本語",
		}},
		{"same local name in two namespaces", "<a xmlns:p='urn:p' xmlns:q='urn:q' p:x='1' q:x='2'/>", want{name: client("a"), self: true}},
		{"DEL and C1 characters allowed", "<body>\x7f\u0085</body>", want{name: client("body"), text: "\x7f\u0085", inner: "\x7f\u0085"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decodeOne(t, testHeader, tt.in)
			w := tt.want
			if e.Name != w.name || e.Child != w.child || e.Children != w.children {
				t.Errorf("got name %v child %v children %d, want %v %v %d", e.Name, e.Child, e.Children, w.name, w.child, w.children)
			}
			if string(e.Raw) != tt.in {
				t.Errorf("Raw = %q, want the input", e.Raw)
			}
			for k, v := range w.attrs {
				if got := e.Attr(k); got != v || e.HasAttr(k) != (v != "") {
					t.Errorf("Attr(%q) = %q (present %v), want %q", k, got, e.HasAttr(k), v)
				}
			}
			if got := e.Lang(); got != w.lang {
				t.Errorf("Lang() = %q, want %q", got, w.lang)
			}
			if got := e.Text(); got != w.text {
				t.Errorf("Text() = %q, want %q", got, w.text)
			}
			if got := e.Inner(); string(got) != w.inner || (got == nil) != w.self {
				t.Errorf("Inner() = %q (nil %v), want %q (nil %v)", got, got == nil, w.inner, w.self)
			}
		})
	}
}

// TestStreamSequence covers keepalives, pipelining and the closing tag.
func TestStreamSequence(t *testing.T) {
	in := "\n <?xml version=\"1.0\" encoding=\"utf-8\" standalone='yes' ?>\n" + testHeader +
		" \r\n\t<presence/>\n\n<message to='a@b'><body>x</body></message> " +
		"<iq type='get' id='1'/>\t</stream:stream >"
	for _, r := range []io.Reader{
		strings.NewReader(in),
		iotest.OneByteReader(strings.NewReader(in)),
		iotest.HalfReader(strings.NewReader(in)),
		iotest.DataErrReader(strings.NewReader(in)),
	} {
		h, got, err := decodeAll(r, Limits{})
		if err != io.EOF {
			t.Errorf("%T: got %v at the end, want io.EOF", r, err)
		}
		want := Header{To: "example.com", Version: "1.0", Lang: "en", DefaultNS: NSClient, Name: Name{NSStream, "stream"}}
		if h != want {
			t.Errorf("%T: header %+v, want %+v", r, h, want)
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name.Local)
		}
		if strings.Join(names, " ") != "presence message iq" {
			t.Errorf("%T: got elements %v, want presence message iq", r, names)
		}
	}
}

func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Header
	}{
		{"all attributes", "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
			"to='example.com' from='juliet@example.com' id='abc' version='1.0' xml:lang='en-GB' other='x'>",
			Header{To: "example.com", From: "juliet@example.com", ID: "abc", Version: "1.0", Lang: "en-GB", DefaultNS: NSClient, Name: Name{NSStream, "stream"}}},
		{"other prefix, no default", "<s:stream xmlns:s='http://etherx.jabber.org/streams' to='a&amp;b'>",
			Header{To: "a&b", Name: Name{NSStream, "stream"}}},
		{"server namespace reported", "<stream xmlns='http://etherx.jabber.org/streams' xmlns:c='jabber:server'>",
			Header{DefaultNS: NSStream, Name: Name{NSStream, "stream"}}},
		{"leading whitespace", "\r\n  <stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server'>",
			Header{DefaultNS: "jabber:server", Name: Name{NSStream, "stream"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(iotest.OneByteReader(strings.NewReader(tt.in)), Limits{})
			h, err := d.ReadHeader()
			if err != nil || h != tt.want {
				t.Fatalf("got %+v, %v; want %+v", h, err, tt.want)
			}
		})
	}
}

// TestOtherStreamPrefix closes a stream whose header used another prefix.
func TestOtherStreamPrefix(t *testing.T) {
	hdr := "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>"
	_, got, err := decodeAll(strings.NewReader(hdr+"<s:features/></s:stream>"), Limits{})
	if err != io.EOF || len(got) != 1 || got[0].Name != (Name{NSStream, "features"}) {
		t.Fatalf("got %v, %v; want s:features then io.EOF", got, err)
	}
	_, _, err = decodeAll(strings.NewReader(hdr+"</stream:stream>"), Limits{})
	if condition(err) != CondNotWellFormed {
		t.Fatalf("closing with another prefix: got %v, want not-well-formed", err)
	}
}

// TestRestart reads a pipelined new stream header after SASL success.
func TestRestart(t *testing.T) {
	in := testHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGE=</auth>" +
		"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>" +
		"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"
	d := NewDecoder(strings.NewReader(in), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	auth, err := d.Next()
	if err != nil || auth.Name != (Name{NSSASL, "auth"}) || auth.Text() != "AGE=" {
		t.Fatalf("got %v, %v; want the auth element", auth, err)
	}
	if d.Buffered() == 0 {
		t.Fatal("Buffered() = 0, want the pipelined bytes")
	}
	d.Restart()
	if _, err := d.Next(); err == nil {
		t.Fatal("Next before ReadHeader succeeded")
	}
	h, err := d.ReadHeader()
	if err != nil || h.To != "example.com" {
		t.Fatalf("new header: %+v, %v", h, err)
	}
	iq, err := d.Next()
	if err != nil || iq.Child != (Name{NSBind, "bind"}) {
		t.Fatalf("got %v, %v; want the bind iq", iq, err)
	}
	if d.Buffered() != 0 {
		t.Fatalf("Buffered() = %d after the last element, want 0", d.Buffered())
	}
}

// TestBufferedIsSpace tells the whitespace a client may send after an
// element (go-xmpp ends <starttls/> with a newline) from anything else.
func TestBufferedIsSpace(t *testing.T) {
	for _, tt := range []struct {
		after string
		want  bool
	}{
		{"", true},
		{"\n", true},
		{" \t\r\n ", true},
		{"\n<x/>", false},
		{"x", false},
	} {
		d := NewDecoder(strings.NewReader(testHeader+"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"+tt.after), Limits{})
		if _, err := d.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
		if got := d.BufferedIsSpace(); got != tt.want {
			t.Errorf("after %q: BufferedIsSpace() = %v, want %v", tt.after, got, tt.want)
		}
	}
}

// TestReset switches to a new reader after STARTTLS and drops what was
// buffered from the old one.
func TestReset(t *testing.T) {
	d := NewDecoder(strings.NewReader(testHeader+"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><injected/>"), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	e, err := d.Next()
	if err != nil || e.Name != (Name{NSTLS, "starttls"}) {
		t.Fatalf("got %v, %v; want starttls", e, err)
	}
	if d.Buffered() != len("<injected/>") || d.BufferedIsSpace() {
		t.Fatalf("Buffered() = %d, BufferedIsSpace() = %v; want the injected bytes, not space", d.Buffered(), d.BufferedIsSpace())
	}
	d.Reset(strings.NewReader(testHeader + "<presence/>"))
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	if e, err := d.Next(); err != nil || e.Name.Local != "presence" {
		t.Fatalf("got %v, %v; want presence from the new reader", e, err)
	}
}

func TestEndOfInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"nothing", "", io.EOF},
		{"inside the header", "<stream:str", io.ErrUnexpectedEOF},
		{"between elements", testHeader + "<presence/> ", io.ErrUnexpectedEOF},
		{"inside an element", testHeader + "<message><body>hi", io.ErrUnexpectedEOF},
		{"inside a character", testHeader + "<body>\xe6\x97", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeAll(strings.NewReader(tt.in), Limits{})
			if !errors.Is(err, tt.want) || condition(err) != "" {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}
