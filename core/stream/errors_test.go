package stream

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestStanzaErrors feeds each input after a valid header and expects the
// stream error condition, whole and one byte at a time.
func TestStanzaErrors(t *testing.T) {
	tests := []struct {
		name, in, cond string
	}{
		// Restricted XML, RFC 6120 §11.1.
		{"comment in stanza", "<message><!-- hi --></message>", CondRestrictedXML},
		{"comment at top level", "<!-- hi -->", CondRestrictedXML},
		{"processing instruction in stanza", "<message><?pi data?></message>", CondRestrictedXML},
		{"processing instruction at top level", "<?pi data?>", CondRestrictedXML},
		{"XML declaration after header", "<?xml version='1.0'?>", CondRestrictedXML},
		{"DOCTYPE in stanza", "<message><!DOCTYPE x></message>", CondRestrictedXML},
		{"DOCTYPE at top level", "<!DOCTYPE x>", CondRestrictedXML},
		{"conditional section", "<message><![INCLUDE[x]]></message>", CondRestrictedXML},
		{"almost CDATA", "<message><![CDATX[x]]></message>", CondRestrictedXML},
		{"undefined entity in text", "<message>&foo;</message>", CondRestrictedXML},
		{"undefined entity in attribute", "<message id='&foo;'/>", CondRestrictedXML},
		{"non-ASCII entity", "<message>&\u00e9;</message>", CondRestrictedXML},
		{"entity name with non-ASCII", "<message>&am\u00e9;</message>", CondRestrictedXML},

		// Well-formedness.
		{"invalid UTF-8 in text", "<message>\xff</message>", CondNotWellFormed},
		{"invalid UTF-8 in attribute", "<message id='\xfe'/>", CondNotWellFormed},
		{"invalid UTF-8 in name", "<mess\xffage/>", CondNotWellFormed},
		{"truncated UTF-8", "<message>\xc3(</message>", CondNotWellFormed},
		{"overlong UTF-8", "<message>\xc0\xaf</message>", CondNotWellFormed},
		{"surrogate in UTF-8", "<message>\xed\xa0\x80</message>", CondNotWellFormed},
		{"invalid UTF-8 in CDATA", "<message><![CDATA[\xff]]></message>", CondNotWellFormed},
		{"NUL in text", "<message>\x00</message>", CondNotWellFormed},
		{"control in text", "<message>a\x01b</message>", CondNotWellFormed},
		{"control in attribute", "<message id='\x1b'/>", CondNotWellFormed},
		{"control in CDATA", "<message><![CDATA[\x08]]></message>", CondNotWellFormed},
		{"U+FFFE", "<message>\xef\xbf\xbe</message>", CondNotWellFormed},
		{"U+FFFF in attribute", "<message id='\xef\xbf\xbf'/>", CondNotWellFormed},
		{"reference to NUL", "<message>&#0;</message>", CondNotWellFormed},
		{"reference to control", "<message id='&#x1;'/>", CondNotWellFormed},
		{"reference to U+FFFE", "<message>&#xFFFE;</message>", CondNotWellFormed},
		{"reference to surrogate", "<message>&#xD800;</message>", CondNotWellFormed},
		{"reference out of range", "<message>&#x110000;</message>", CondNotWellFormed},
		{"huge reference", "<message>&#99999999999999999999999;</message>", CondNotWellFormed},
		{"empty reference", "<message>&#;</message>", CondNotWellFormed},
		{"empty hex reference", "<message>&#x;</message>", CondNotWellFormed},
		{"bad digit in reference", "<message>&#12a;</message>", CondNotWellFormed},
		{"uppercase X reference", "<message>&#X41;</message>", CondNotWellFormed},
		{"lone ampersand", "<message>a & b</message>", CondNotWellFormed},
		{"ampersand at end", "<message>a&</message>", CondNotWellFormed},
		{"entity without semicolon", "<message>&amp </message>", CondNotWellFormed},
		{"name starting with digit", "<1message/>", CondNotWellFormed},
		{"space before name", "< message/>", CondNotWellFormed},
		{"name ending with colon", "<message:/>", CondNotWellFormed},
		{"name starting with colon", "<:message/>", CondNotWellFormed},
		{"name with two colons", "<a:b:c xmlns:a='urn:a'/>", CondNotWellFormed},
		{"attribute name ending with colon", "<message a:='1'/>", CondNotWellFormed},
		{"bad attribute name", "<message -a='1'/>", CondNotWellFormed},
		{"non-name character in name", "<mess\u00d7age/>", CondNotWellFormed},
		{"lt in attribute", "<message id='a<b'/>", CondNotWellFormed},
		{"unquoted attribute", "<message id=abc/>", CondNotWellFormed},
		{"attribute without value", "<message id/>", CondNotWellFormed},
		{"attribute without equals", "<message id 'x'/>", CondNotWellFormed},
		{"duplicate attribute", "<message id='1' id='2'/>", CondNotWellFormed},
		{"duplicate expanded attribute", "<message xmlns:p='urn:p' xmlns:q='urn:p' p:a='1' q:a='2'/>", CondNotWellFormed},
		{"duplicate declaration", "<message xmlns:p='urn:p' xmlns:p='urn:q'/>", CondNotWellFormed},
		{"attributes without space", "<message id='1'type='chat'/>", CondNotWellFormed},
		{"slash without gt", "<message/ >", CondNotWellFormed},
		{"junk in start tag", "<message id='1' %/>", CondNotWellFormed},
		{"mismatched end tag", "<message></presence>", CondNotWellFormed},
		{"crossed end tags", "<message><body></message></body>", CondNotWellFormed},
		{"end tag prefix differs", "<p:a xmlns:p='urn:p' xmlns:q='urn:p'></q:a>", CondNotWellFormed},
		{"junk in end tag", "<message></message x>", CondNotWellFormed},
		{"end tag at top level", "</message>", CondNotWellFormed},
		{"wrong stream end tag", "</stream:features>", CondNotWellFormed},
		{"unprefixed stream end tag", "</stream>", CondNotWellFormed},
		{"CDATA end in text", "<message>a]]>b</message>", CondNotWellFormed},
		{"CDATA end after brackets", "<message>]]]]>b</message>", CondNotWellFormed},
		{"CDATA end after a CDATA section", "<message><![CDATA[x]]>]]></message>", CondNotWellFormed},

		// Namespaces.
		{"undeclared element prefix", "<p:message/>", CondNotWellFormed},
		{"undeclared child prefix", "<message><p:body/></message>", CondNotWellFormed},
		{"undeclared attribute prefix", "<message p:id='1'/>", CondNotWellFormed},
		{"prefix out of scope", "<message><a xmlns:p='urn:p'/><p:b/></message>", CondNotWellFormed},
		{"rebinding xml", "<message xmlns:xml='urn:other'/>", CondNotWellFormed},
		{"binding xmlns prefix", "<message xmlns:xmlns='urn:other'/>", CondNotWellFormed},
		{"binding xml namespace", "<message xmlns:p='http://www.w3.org/XML/1998/namespace'/>", CondNotWellFormed},
		{"default xml namespace", "<message xmlns='http://www.w3.org/XML/1998/namespace'/>", CondNotWellFormed},
		{"binding xmlns namespace", "<message xmlns:p='http://www.w3.org/2000/xmlns/'/>", CondNotWellFormed},
		{"undeclaring a prefix", "<message xmlns:p=''/>", CondNotWellFormed},
		{"xmlns element prefix", "<xmlns:message/>", CondNotWellFormed},

		// Top-level character data.
		{"text at top level", "hello", CondBadFormat},
		{"text after element", "<presence/>x", CondBadFormat},
		{"CDATA at top level", "<![CDATA[x]]>", CondBadFormat},
		{"NUL at top level", "\x00", CondBadFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := strings.NewReader(testHeader + tt.in)
			trickled := iotest.OneByteReader(strings.NewReader(testHeader + tt.in))
			for _, r := range []io.Reader{whole, trickled} {
				_, _, err := decodeAll(r, Limits{})
				if got := condition(err); got != tt.cond {
					t.Errorf("%T: got error %v, want condition %s", r, err, tt.cond)
				}
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	const ns = " xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
	tests := []struct {
		name, in, cond string
	}{
		{"no stream prefix declared", "<stream:stream xmlns='jabber:client'>", CondInvalidNamespace},
		{"wrong stream namespace", "<stream:stream xmlns:stream='http://wrong.example/'>", CondInvalidNamespace},
		{"unprefixed in client namespace", "<stream xmlns='jabber:client'>", CondInvalidNamespace},
		{"wrong local name", "<stream:streams" + ns + ">", CondInvalidNamespace},
		{"xml prefix", "<xml:stream" + ns + ">", CondInvalidNamespace},
		{"DOCTYPE", "<!DOCTYPE stream [<!ENTITY a 'b'>]><stream:stream" + ns + ">", CondRestrictedXML},
		{"processing instruction", "<?foo bar?><stream:stream" + ns + ">", CondRestrictedXML},
		{"PI named like xml", "<?xml-stylesheet href='a'?><stream:stream" + ns + ">", CondRestrictedXML},
		{"two declarations", "<?xml version='1.0'?><?xml version='1.0'?><stream:stream" + ns + ">", CondRestrictedXML},
		{"comment", "<!-- hi --><stream:stream" + ns + ">", CondRestrictedXML},
		{"other encoding", "<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream" + ns + ">", CondUnsupportedEncoding},
		{"declaration without version", "<?xml encoding='UTF-8'?><stream:stream" + ns + ">", CondNotWellFormed},
		{"declaration with junk", "<?xml version='1.0' foo='bar'?><stream:stream" + ns + ">", CondNotWellFormed},
		{"declaration without space", "<?xml?><stream:stream" + ns + ">", CondRestrictedXML},
		{"self-closing header", "<stream:stream" + ns + "/>", CondNotWellFormed},
		{"text before header", "hello<stream:stream" + ns + ">", CondNotWellFormed},
		{"end tag before header", "</stream:stream>", CondNotWellFormed},
		{"duplicate attribute", "<stream:stream" + ns + " to='a' to='b'>", CondNotWellFormed},
		{"undeclared attribute prefix", "<stream:stream" + ns + " p:to='a'>", CondNotWellFormed},
		{"rebinding xml", "<stream:stream" + ns + " xmlns:xml='urn:x'>", CondNotWellFormed},
		{"invalid UTF-8", "<stream:stream" + ns + " to='\xff'>", CondNotWellFormed},
		{"unquoted", "<stream:stream" + ns + " to=a>", CondNotWellFormed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeAll(iotest.OneByteReader(strings.NewReader(tt.in)), Limits{})
			if got := condition(err); got != tt.cond {
				t.Errorf("got error %v, want condition %s", err, tt.cond)
			}
		})
	}
}

// TestErrorIsSticky checks that a protocol error ends the stream: the next
// calls return it again instead of reading on.
func TestErrorIsSticky(t *testing.T) {
	d := NewDecoder(strings.NewReader(testHeader+"<!-- x --><presence/>"), Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	_, err1 := d.Next()
	_, err2 := d.Next()
	if condition(err1) != CondRestrictedXML || err2 != err1 {
		t.Fatalf("got %v then %v, want the same restricted-xml error twice", err1, err2)
	}
}
