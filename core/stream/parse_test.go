package stream

import "testing"

func TestParseElement(t *testing.T) {
	el, err := ParseElement([]byte("<iq type='result' id='a' to='alice@localhost/r'><query xmlns='jabber:iq:roster'/></iq>"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if el.Name != (Name{NSClient, "iq"}) || el.Child != (Name{"jabber:iq:roster", "query"}) || el.Attr("id") != "a" {
		t.Fatalf("parsed %+v", el)
	}
	for _, bad := range []string{"<iq>", "<a/><b/>", "text", "<!-- c --><a/>", ""} {
		if _, err := ParseElement([]byte(bad), Limits{}); err == nil {
			t.Errorf("ParseElement(%q) succeeded", bad)
		}
	}
}
