package wire

import (
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// etreeParse is how ParseStanza read stanzas before it built the tree
// itself: etree's own reader.
func etreeParse(b []byte) (*etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, err
	}
	root := doc.Root()
	if root == nil {
		return nil, fmt.Errorf("no element")
	}
	doc.RemoveChild(root)
	return root, nil
}

// dump writes every token of a tree with what a handler can see of it.
func dump(b *strings.Builder, tok etree.Token) {
	switch t := tok.(type) {
	case *etree.Element:
		fmt.Fprintf(b, "<%q %q", t.Space, t.Tag)
		for _, a := range t.Attr {
			fmt.Fprintf(b, " %q %q=%q", a.Space, a.Key, a.Value)
		}
		b.WriteString(">")
		for _, c := range t.Child {
			dump(b, c)
		}
		b.WriteString("</>")
	case *etree.CharData:
		fmt.Fprintf(b, "[text %q ws=%v cdata=%v]", t.Data, t.IsWhitespace(), t.IsCData())
	case *etree.Comment:
		fmt.Fprintf(b, "[comment %q]", t.Data)
	case *etree.Directive:
		fmt.Fprintf(b, "[directive %q]", t.Data)
	case *etree.ProcInst:
		fmt.Fprintf(b, "[procinst %q %q]", t.Target, t.Inst)
	}
}

var parseSeeds = []string{
	`<iq type="get" id="1"><query xmlns="jabber:iq:roster"><item jid="a&amp;b@d"/></query></iq>`,
	`<message from='a@b/c' to="d@e" type='chat'><body>hi &lt;there&gt; &#x263A;</body><x:y xmlns:x='urn:x' x:z='1'/></message>`,
	`<presence>
  <show>away</show>
  <status> </status>
</presence>`,
	`<?xml version='1.0'?><iq><!-- note --><q><![CDATA[a<b]]>tail</q></iq>`,
	`<iq a='1' a='2' b='3'/>`,
	`<iq><a><b><c/></b></a></iq><second/>`,
	`  <iq/>  `,
	`<iq>`,
	`<iq></q>`,
	`</iq>`,
	``,
	`text`,
	`<iq><?pi data?><!DOCTYPE x></iq>`,
	`<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`,
}

// ParseStanza builds the very tree etree's reader builds, and fails where
// it fails.
func FuzzParseStanzaMatchesEtree(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantErr := etreeParse(in)
		got, gotErr := ParseStanza(in)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: etree's error %v, ParseStanza's %v", in, wantErr, gotErr)
		}
		if wantErr != nil {
			return
		}
		var w, g strings.Builder
		dump(&w, want)
		dump(&g, got)
		if w.String() != g.String() {
			t.Fatalf("%q:\netree        %s\nParseStanza  %s", in, w.String(), g.String())
		}
		if got.Parent() != nil {
			t.Fatal("the stanza is attached to a parent")
		}
	})
}

// BenchmarkParseStanza reads a chat message as a plugin gets it.
func BenchmarkParseStanza(b *testing.B) {
	in := []byte(`<message from='romeo@montague.example/orchard' to='juliet@capulet.example' type='chat' id='m1'><body>Art thou not Romeo, and a Montague? Neither, fair saint, if either thee dislike.</body><stanza-id xmlns='urn:xmpp:sid:0' id='0123456789abc-defghijk' by='juliet@capulet.example'/></message>`)
	for _, c := range []struct {
		name  string
		parse func([]byte) (*etree.Element, error)
	}{{"ParseStanza", ParseStanza}, {"etree", etreeParse}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.parse(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
