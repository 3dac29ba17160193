package jidprep

import (
	"errors"
	"testing"

	"mellium.im/xmpp/jid"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    JID
		wantErr bool
	}{
		{in: "alice@localhost", want: JID{"alice", "localhost", ""}},
		{in: "alice@localhost/Psi+", want: JID{"alice", "localhost", "Psi+"}},
		{in: "localhost", want: JID{"", "localhost", ""}},
		{in: "Alice@LocalHost/Res", want: JID{"alice", "localhost", "Res"}},
		{in: "ÄLICE@localhost", want: JID{"älice", "localhost", ""}},
		{in: "alice@localhost/with space", want: JID{"alice", "localhost", "with space"}},
		{in: "alice@127.0.0.1", want: JID{"alice", "127.0.0.1", ""}},
		{in: "alice@localhost.", want: JID{"alice", "localhost", ""}},
		{in: "@localhost", wantErr: true},
		{in: "alice@localhost/", wantErr: true},
		{in: "", wantErr: true},
		{in: "al ice@localhost", wantErr: true},
		{in: "al:ice@localhost", wantErr: true},
		{in: "alice@loc<al>host", wantErr: true},
		{in: "alice@localhost/\x00", wantErr: true},
		{in: "\xff@localhost", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("Parse(%q) = %+v, %v; want ErrMalformed", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestStringForms(t *testing.T) {
	j := JID{"alice", "localhost", "phone"}
	if got := j.String(); got != "alice@localhost/phone" {
		t.Errorf("String() = %q", got)
	}
	if got := j.Bare(); got != "alice@localhost" {
		t.Errorf("Bare() = %q", got)
	}
	if got := (JID{Domain: "localhost", Resource: "r"}).String(); got != "localhost/r" {
		t.Errorf("domain-only String() = %q", got)
	}
}

// FuzzParse checks that the fast path never disagrees with the full PRECIS
// preparation it short-circuits.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"alice@localhost/Psi+", "a@b", "xn--bcher-kva.example", "A@B/C", "[::1]", "a@b.c-d/ e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		ref, refErr := jid.Parse(s)
		if (err != nil) != (refErr != nil) {
			t.Fatalf("Parse(%q): err %v, reference err %v", s, err, refErr)
		}
		if err != nil {
			return
		}
		if want := fromMellium(ref); got != want {
			t.Fatalf("Parse(%q) = %+v, reference %+v", s, got, want)
		}
	})
}

func BenchmarkParseFast(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("romeo@example.net/orchard"); err != nil {
			b.Fatal(err)
		}
	}
}
