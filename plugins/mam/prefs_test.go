package mam

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestPreferences(t *testing.T) {
	tests := []struct {
		name  string
		prefs string
		want  []string // Juliet's archive after a message from each of romeo, nurse, the friar's phone
	}{
		{"default always", "", []string{"j-0", "j-1", "j-2"}},
		{"never", "<prefs xmlns='urn:xmpp:mam:2' default='never'/>", nil},
		{"never but always romeo", "<prefs xmlns='urn:xmpp:mam:2' default='never'><always><jid>romeo@localhost</jid></always></prefs>", []string{"j-0"}},
		{"always but never the nurse", "<prefs xmlns='urn:xmpp:mam:2' default='always'><never><jid>nurse@localhost</jid></never></prefs>", []string{"j-0", "j-2"}},
		{"roster", "<prefs xmlns='urn:xmpp:mam:2' default='roster'/>", []string{"j-0"}},
		{"roster and always a full JID", "<prefs xmlns='urn:xmpp:mam:2' default='roster'><always><jid>friar@localhost/phone</jid></always></prefs>", []string{"j-0", "j-2"}},
		{"never a full JID", "<prefs xmlns='urn:xmpp:mam:2' default='always'><never><jid>friar@localhost/cell</jid></never></prefs>", []string{"j-0", "j-1", "j-2"}},
		{"never wins", "<prefs xmlns='urn:xmpp:mam:2' default='always'><always><jid>romeo@localhost</jid></always><never><jid>romeo@localhost</jid></never></prefs>", []string{"j-1", "j-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.roster[juliet] = []string{romeo}
			if tt.prefs != "" {
				if o := f.raw(julietFull, "<iq type='set' id='p'>"+tt.prefs+"</iq>"); o.err != "" {
					t.Fatalf("setting prefs: %s", o.err)
				}
			}
			var all []msg
			for i, from := range []string{romeoFull, nurse + "/kitchen", "friar@localhost/phone"} {
				all = append(all, chat(from, julietFull, "hi", t0.Add(time.Duration(i)*time.Minute), i)...)
			}
			f.observe(all...)
			if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, tt.want) {
				t.Errorf("archived %q, want %q", o.ids, tt.want)
			}
		})
	}
}

// Under 'roster', one's own messages to oneself are archived, and so is
// everything when the roster cannot be read.
func TestRosterPreference(t *testing.T) {
	f := newFixture(t, map[string]any{"default_preference": "roster"})
	f.observe(chat(julietFull, "juliet@localhost/chamber", "note", t0, 0)...)
	f.observe(chat(nurse+"/kitchen", julietFull, "hi", t0.Add(time.Minute), 1)...)
	if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, []string{"s-0", "j-0"}) {
		t.Errorf("archived %q, want the note to self only, sent and received", o.ids)
	}
	o := f.raw(julietFull, "<iq type='get' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>")
	if got := xmlOf(o.reply.SelectElement("prefs")); got != `<prefs xmlns="urn:xmpp:mam:2" default="roster"><always/><never/></prefs>` {
		t.Errorf("prefs of a user who set none: %s", got)
	}
}

func TestPrefsProtocol(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name, iq, want, wantErr string
	}{
		{"defaults", "<iq type='get' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>",
			`<prefs xmlns="urn:xmpp:mam:2" default="always"><always/><never/></prefs>`, ""},
		{"set", "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='roster'><always><jid>Romeo@Localhost</jid><jid>romeo@localhost</jid></always><never><jid>nurse@localhost/kitchen</jid></never></prefs></iq>",
			`<prefs xmlns="urn:xmpp:mam:2" default="roster"><always><jid>romeo@localhost</jid></always><never><jid>nurse@localhost/kitchen</jid></never></prefs>`, ""},
		{"get what was set", "<iq type='get' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>",
			`<prefs xmlns="urn:xmpp:mam:2" default="roster"><always><jid>romeo@localhost</jid></always><never><jid>nurse@localhost/kitchen</jid></never></prefs>`, ""},
		{"no default", "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>", "", "bad-request"},
		{"bad JID", "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='always'><never><jid>@x</jid></never></prefs></iq>", "", "jid-malformed"},
		{"another user's", "<iq type='get' id='p' to='romeo@localhost'><prefs xmlns='urn:xmpp:mam:2'/></iq>", "", "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := f.raw(julietFull, tt.iq)
			if o.err != tt.wantErr {
				t.Fatalf("error %q, want %q", o.err, tt.wantErr)
			}
			if tt.want != "" {
				if got := xmlOf(o.reply.SelectElement("prefs")); got != tt.want {
					t.Errorf("prefs\n got %s\nwant %s", got, tt.want)
				}
			}
		})
	}
	many := "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='always'><never>"
	for i := range maxPrefsJIDs + 1 {
		many += fmt.Sprintf("<jid>u%d@localhost</jid>", i)
	}
	if o := f.raw(julietFull, many+"</never></prefs></iq>"); o.err != "policy-violation" {
		t.Errorf("too many JIDs: error %q, want policy-violation", o.err)
	}
}

// A reload that changes the default preference applies, from the next
// message on, to the accounts that set none, even those whose preferences
// were read before.
func TestANewDefaultPreferenceAppliesAtOnce(t *testing.T) {
	f := newFixture(t, nil) // always
	f.observe(chat(romeoFull, julietFull, "one", t0, 0)...)
	if err := f.h.Configure(map[string]any{"default_preference": "never"}); err != nil {
		t.Fatal(err)
	}
	f.observe(chat(romeoFull, julietFull, "two", t0.Add(time.Minute), 1)...)
	if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, []string{"j-0"}) {
		t.Errorf("archived %q, want only the message before the reload", o.ids)
	}
}

// A user's new preferences apply from the next message on.
func TestSetPrefsApplyAtOnce(t *testing.T) {
	f := newFixture(t, nil) // always
	f.observe(chat(romeoFull, julietFull, "one", t0, 0)...)
	if o := f.raw(julietFull, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='never'/></iq>"); o.err != "" {
		t.Fatal(o.err)
	}
	f.observe(chat(romeoFull, julietFull, "two", t0.Add(time.Minute), 1)...)
	if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, []string{"j-0"}) {
		t.Errorf("archived %q, want only the message before the set", o.ids)
	}
}
