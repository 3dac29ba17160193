package stream

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAppendHeader(t *testing.T) {
	tests := []struct {
		h    Header
		want string
	}{
		{Header{ID: "abc", From: "example.com", To: "juliet@example.com", Lang: "fr"},
			"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='example.com' to='juliet@example.com' version='1.0' xml:lang='fr'>"},
		{Header{ID: "a'b", From: "example.com"},
			"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='a&apos;b' from='example.com' version='1.0' xml:lang='en'>"},
	}
	for _, tt := range tests {
		got := AppendHeader(nil, tt.h)
		if string(got) != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
		h, err := NewDecoder(bytes.NewReader(got), Limits{}).ReadHeader()
		if err != nil || h.ID != tt.h.ID || h.From != tt.h.From || h.To != tt.h.To || h.DefaultNS != NSClient {
			t.Errorf("reading it back: %+v, %v", h, err)
		}
	}
}

func TestAppendError(t *testing.T) {
	tests := []struct {
		e    *Error
		want string
	}{
		{NewError(CondNotWellFormed, ""),
			"<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"},
		{NewError(CondPolicyViolation, "stanza > 64 KiB & more"),
			"<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>stanza &gt; 64 KiB &amp; more</text></stream:error>"},
		{&Error{}, "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"},
	}
	for _, tt := range tests {
		got := AppendError(nil, tt.e)
		if string(got) != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
		e := decodeOne(t, testHeader, string(got))
		if e.Name != (Name{NSStream, "error"}) || e.Child != (Name{NSStreamErrors, tt.e.Condition}) && tt.e.Condition != "" {
			t.Errorf("reading it back: %v %v", e.Name, e.Child)
		}
	}
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		in, attr, text string
	}{
		{"plain", "plain", "plain"},
		{`<a href="x">'&'</a>`, "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;", `&lt;a href="x"&gt;'&amp;'&lt;/a&gt;`},
		{"a\tb\nc\rd", "a&#9;b&#10;c&#13;d", "a\tb\nc&#13;d"},
		{"nul\x00 bad\xff ok é", "nul\uFFFD bad\uFFFD ok é", "nul\uFFFD bad\uFFFD ok é"},
		{"\uFFFE", "\uFFFD", "\uFFFD"},
	}
	for _, tt := range tests {
		if got := string(AppendEscapedAttr(nil, tt.in)); got != tt.attr {
			t.Errorf("AppendEscapedAttr(%q) = %q, want %q", tt.in, got, tt.attr)
		}
		if got := string(AppendEscapedText(nil, tt.in)); got != tt.text {
			t.Errorf("AppendEscapedText(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
	// What is escaped reads back as what was given, when it was valid XML.
	for _, s := range []string{"a'b\"c", "x\ty\r\nz", "<&>"} {
		e := decodeOne(t, testHeader, "<a v='"+string(AppendEscapedAttr(nil, s))+"'>"+string(AppendEscapedText(nil, s))+"</a>")
		if e.Attr("v") != s || e.Text() != s {
			t.Errorf("%q read back as attribute %q, text %q", s, e.Attr("v"), e.Text())
		}
	}
}

func TestErrorMatching(t *testing.T) {
	err := error(NewError(CondPolicyViolation, "too big"))
	if !strings.Contains(err.Error(), "policy-violation") {
		t.Errorf("Error() = %q", err.Error())
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", err), &Error{Condition: CondPolicyViolation}) {
		t.Error("errors.Is does not match the condition")
	}
	if errors.Is(err, &Error{Condition: CondNotWellFormed}) || errors.Is(err, &Error{Condition: CondPolicyViolation, Text: "other"}) {
		t.Error("errors.Is matches another condition or text")
	}
}
