package mam

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestQueries(t *testing.T) {
	for _, kind := range fixtureKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := kind.new(t, nil)
			f.conversation(10) // j-0 … j-9, a minute apart from t0
			at := func(i int) string { return stampOf(t0.Add(time.Duration(i) * time.Minute)) }
			tests := []struct {
				name         string
				fields, rsm  string
				want         []string
				wantComplete bool
			}{
				{"everything", "", "", ids(0, 9), true},
				{"first page", "", "<max>4</max>", ids(0, 3), false},
				{"after an id", "", "<max>4</max><after>j-3</after>", ids(4, 7), false},
				{"last page forward", "", "<max>4</max><after>j-7</after>", ids(8, 9), true},
				{"exactly the rest", "", "<max>2</max><after>j-7</after>", ids(8, 9), true},
				{"last page", "", "<max>3</max><before/>", ids(7, 9), false},
				{"before an id", "", "<max>3</max><before>j-7</before>", ids(4, 6), false},
				{"first page backward", "", "<max>3</max><before>j-2</before>", ids(0, 1), true},
				{"max 0", "", "<max>0</max>", nil, false},
				{"start is inclusive", field("start", at(7)), "", ids(7, 9), true},
				{"end is inclusive", field("end", at(2)), "", ids(0, 2), true},
				{"start and end", field("start", at(3)) + field("end", at(5)), "", ids(3, 5), true},
				{"end before start", field("start", at(5)) + field("end", at(3)), "", nil, true},
				{"start and paging", field("start", at(3)), "<max>2</max><after>j-4</after>", ids(5, 6), false},
				{"end and last page", field("end", at(5)), "<max>2</max><before/>", ids(4, 5), false},
				{"after-id", field("after-id", "j-6"), "", ids(7, 9), true},
				{"before-id pages forward", field("before-id", "j-6"), "<max>2</max>", ids(0, 1), false},
				{"between two ids", field("after-id", "j-2") + field("before-id", "j-6"), "", ids(3, 5), true},
				{"ids", "<field var='ids'><value>j-8</value><value>j-1</value></field>", "", []string{"j-1", "j-8"}, true},
				{"include-groupchat", field("include-groupchat", "false"), "<max>1</max>", ids(0, 0), false},
				{"empty field", "<field var='with'/>", "<max>1</max>", ids(0, 0), false},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					o := f.query(julietFull, tt.fields, tt.rsm)
					if o.err != "" {
						t.Fatalf("error %s", o.err)
					}
					if !slices.Equal(o.ids, tt.want) {
						t.Errorf("results %q, want %q", o.ids, tt.want)
					}
					if o.complete != tt.wantComplete {
						t.Errorf("complete = %v, want %v", o.complete, tt.wantComplete)
					}
					if len(tt.want) > 0 && (o.first != tt.want[0] || o.last != tt.want[len(tt.want)-1]) {
						t.Errorf("first, last = %s, %s; want %s, %s", o.first, o.last, tt.want[0], tt.want[len(tt.want)-1])
					}
				})
			}
		})
	}
}

// A client that pages forward with after=last, or backward with
// before=first, sees every message once, in order, through the whole
// archive and through the index by peer, and within a time range.
func TestPagingThroughEverything(t *testing.T) {
	for _, kind := range fixtureKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := kind.new(t, nil)
			f.conversation(23)
			for _, c := range []struct {
				form string
				want []string
			}{
				{"", ids(0, 22)},
				{field("with", romeo), ids(0, 22)},
				{field("with", romeo) + field("start", stampOf(t0.Add(3*time.Minute))) + field("end", stampOf(t0.Add(17*time.Minute))), ids(3, 17)},
				{field("start", stampOf(t0.Add(3*time.Minute))) + field("end", stampOf(t0.Add(17*time.Minute))), ids(3, 17)},
			} {
				pageThrough(t, f, c.form, c.want)
			}
		})
	}
}

func pageThrough(t *testing.T, f *fixture, form string, want []string) {
	t.Helper()
	for _, backward := range []bool{false, true} {
		var got []string
		cursor := ""
		for range 20 {
			rsm := "<max>5</max><after>" + cursor + "</after>"
			switch {
			case backward:
				rsm = "<max>5</max><before>" + cursor + "</before>"
			case cursor == "":
				rsm = "<max>5</max>"
			}
			o := f.query(julietFull, form, rsm)
			if o.err != "" {
				t.Fatal(o.err)
			}
			if backward {
				got = append(o.ids, got...)
				cursor = o.first
			} else {
				got = append(got, o.ids...)
				cursor = o.last
			}
			if o.complete {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s backward %v: paged through %q, want %q", form, backward, got, want)
		}
	}
}

func TestWith(t *testing.T) {
	for _, kind := range fixtureKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := kind.new(t, nil)
			var all []msg
			all = append(all, chat(romeoFull, julietFull, "r1", t0, 0)...)
			all = append(all, chat(nurse+"/kitchen", julietFull, "n1", t0.Add(time.Minute), 1)...)
			all = append(all, chat("romeo@localhost/garden", julietFull, "r2", t0.Add(2*time.Minute), 2)...)
			all = append(all, chat(julietFull, romeoFull, "j1", t0.Add(3*time.Minute), 3)...)
			all = append(all, chat(julietFull, "juliet@localhost/chamber", "note to self", t0.Add(4*time.Minute), 4)...)
			all = append(all, chat(julietFull, nurse, "n2", t0.Add(5*time.Minute), 5)...)
			f.observe(all...)
			tests := []struct {
				with string
				rsm  string
				want []string
			}{
				{romeo, "", []string{"j-0", "j-2", "j-3"}},
				{"Romeo@LOCALHOST", "", []string{"j-0", "j-2", "j-3"}}, // prepared like the core's JIDs
				{nurse, "", []string{"j-1", "j-5"}},
				{romeoFull, "", []string{"j-0"}},                // exact resource: from of incoming
				{"romeo@localhost/garden", "", []string{"j-2"}}, // another resource
				{juliet, "", []string{"s-4", "j-4"}},            // to oneself: sent and received
				{"tybalt@localhost", "", nil},
				{romeo, "<max>1</max><after>j-0</after>", []string{"j-2"}},
				{romeo, "<max>2</max><before/>", []string{"j-2", "j-3"}},
				{romeo, "<max>1</max><after>j-1</after>", []string{"j-2"}}, // an id of another peer still places the page
				{romeoFull, "<max>1</max><before/>", []string{"j-0"}},
			}
			for _, tt := range tests {
				t.Run(tt.with+tt.rsm, func(t *testing.T) {
					o := f.query(julietFull, field("with", tt.with), tt.rsm)
					if o.err != "" {
						t.Fatal(o.err)
					}
					if !slices.Equal(o.ids, tt.want) {
						t.Errorf("results %q, want %q", o.ids, tt.want)
					}
				})
			}
			if n := len(f.keys(juliet, msgPrefix)); n != 7 {
				t.Errorf("Juliet's archive holds %d messages, want 7 (the note to self twice)", n)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	f := newFixture(t, nil)
	f.conversation(3)
	tests := []struct {
		name, from, iq, want string
	}{
		{"unknown after", julietFull, rsmQuery("<after>nope</after>"), "item-not-found"},
		{"unknown before", julietFull, rsmQuery("<before>nope</before>"), "item-not-found"},
		{"another archive's id", julietFull, rsmQuery("<after>r-0</after>"), "item-not-found"},
		{"unknown after-id", julietFull, formQuery(field("after-id", "nope")), "item-not-found"},
		{"unknown before-id", julietFull, formQuery(field("before-id", "nope")), "item-not-found"},
		{"one unknown id", julietFull, formQuery("<field var='ids'><value>j-1</value><value>nope</value></field>"), "item-not-found"},
		{"another user's archive", romeoFull, "<iq type='set' id='q' to='juliet@localhost'><query xmlns='urn:xmpp:mam:2'/></iq>", "forbidden"},
		{"unknown field", julietFull, formQuery(field("{urn:example}search", "x")), "feature-not-implemented"},
		{"bad FORM_TYPE", julietFull, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" + field("FORM_TYPE", "urn:xmpp:mam:1") + "</x></query></iq>", "bad-request"},
		{"bad start", julietFull, formQuery(field("start", "yesterday")), "bad-request"},
		{"bad with", julietFull, formQuery(field("with", "@@")), "bad-request"},
		{"bad max", julietFull, rsmQuery("<max>-1</max>"), "bad-request"},
		{"empty after", julietFull, rsmQuery("<after/>"), "bad-request"},
		{"index", julietFull, rsmQuery("<index>3</index>"), "feature-not-implemented"},
		{"bad include-groupchat", julietFull, formQuery(field("include-groupchat", "maybe")), "bad-request"},
		{"pubsub node", julietFull, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2' node='n'/></iq>", "feature-not-implemented"},
		{"form of another type", julietFull, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='form'/></query></iq>", "bad-request"},
		{"unknown request", julietFull, "<iq type='get' id='q'><archive xmlns='urn:xmpp:mam:2'/></iq>", "feature-not-implemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := f.raw(tt.from, tt.iq)
			if o.err != tt.want {
				t.Errorf("error %q, want %q", o.err, tt.want)
			}
			if len(o.sent) != 0 {
				t.Errorf("sent %d results before failing", len(o.sent))
			}
		})
	}
}

func rsmQuery(rsm string) string {
	return "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'>" + rsm + "</set></query></iq>"
}

func formQuery(fields string) string {
	return "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" +
		field("FORM_TYPE", NS) + fields + "</x></query></iq>"
}

func TestPageSizeLimits(t *testing.T) {
	f := newFixture(t, map[string]any{"page_size": 3, "max_page_size": 5})
	f.conversation(8)
	if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, ids(0, 2)) || o.complete {
		t.Errorf("without max: %q complete=%v, want the default page of 3", o.ids, o.complete)
	}
	if o := f.query(julietFull, "", "<max>100</max>"); !slices.Equal(o.ids, ids(0, 4)) || o.complete {
		t.Errorf("max 100: %q complete=%v, want the server's cap of 5", o.ids, o.complete)
	}
	many := "<field var='ids'>"
	for _, id := range ids(0, 5) {
		many += "<value>" + id + "</value>"
	}
	if o := f.raw(julietFull, formQuery(many+"</field>")); o.err != "policy-violation" {
		t.Errorf("6 ids past a cap of 5: error %q, want policy-violation", o.err)
	}
}

func TestFlipPage(t *testing.T) {
	f := newFixture(t, nil)
	f.conversation(6)
	o := f.raw(julietFull, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before/></set><flip-page/></query></iq>")
	if want := []string{"j-5", "j-4", "j-3"}; !slices.Equal(o.ids, want) {
		t.Errorf("flipped last page sent %q, want %q", o.ids, want)
	}
	if o.first != "j-3" || o.last != "j-5" {
		t.Errorf("first, last = %s, %s; want the page's chronological ends j-3, j-5", o.first, o.last)
	}
}

// A message the index by peer still names but that is gone (a cleanup
// between the two reads) is skipped, and the page filled from further on.
func TestDanglingIndex(t *testing.T) {
	f := newFixture(t, nil)
	f.conversation(4)
	for _, k := range f.keys(juliet, msgPrefix) {
		if strings.HasSuffix(k, "j-1") { // "/j-1", or "-j-1" when stamped
			if err := f.h.Store(juliet).Delete(context.Background(), k); err != nil {
				t.Fatal(err)
			}
		}
	}
	o := f.query(julietFull, field("with", romeo), "<max>2</max>")
	if !slices.Equal(o.ids, []string{"j-0", "j-2"}) || o.complete {
		t.Errorf("results %q complete=%v, want [j-0 j-2] and more", o.ids, o.complete)
	}
	for _, s := range o.sent {
		if s.FindElement("result/forwarded/message/body") == nil {
			t.Errorf("a result without its message: %s", xmlOf(s))
		}
	}
	if o := f.query(julietFull, field("with", romeo), "<max>1</max><after>j-0</after>"); !slices.Equal(o.ids, []string{"j-2"}) {
		t.Errorf("results %q, want [j-2]", o.ids)
	}
}
