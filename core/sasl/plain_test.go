package sasl

import (
	"crypto/tls"
	"regexp"
	"testing"
)

func TestPlain(t *testing.T) {
	tls13 := newTLSConn(t, tls.VersionTLS13)
	tests := []struct {
		name     string
		msg      string
		wantCond string // "" for success
		wantUser string
	}{
		{name: "good", msg: "\x00user\x00pencil", wantUser: "user"},
		{name: "case-mapped", msg: "\x00USER\x00pencil", wantUser: "user"},
		{name: "own authzid", msg: "user@localhost\x00user\x00pencil", wantUser: "user"},
		{name: "wrong password", msg: "\x00user\x00pencil!", wantCond: NotAuthorized},
		{name: "unknown user", msg: "\x00nobody\x00pencil", wantCond: NotAuthorized},
		{name: "unpreparable username", msg: "\x00no body\x00pencil", wantCond: NotAuthorized},
		{name: "storage failure", msg: "\x00broken\x00pencil", wantCond: TemporaryAuthFailure},
		{name: "other authzid", msg: "alice@localhost\x00user\x00pencil", wantCond: InvalidAuthzid},
		{name: "no separators", msg: "userpencil", wantCond: MalformedRequest},
		{name: "one separator", msg: "user\x00pencil", wantCond: MalformedRequest},
		{name: "three separators", msg: "\x00user\x00pen\x00cil", wantCond: MalformedRequest},
		{name: "empty authcid", msg: "\x00\x00pencil", wantCond: MalformedRequest},
		{name: "empty password", msg: "\x00user\x00", wantCond: MalformedRequest},
		{name: "not UTF-8", msg: "\x00user\x00\xff", wantCond: MalformedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			neg := Plain().Start(tls13.server, newFakeSource())
			out, done, err := neg.Step(t.Context(), []byte(tt.msg))
			if tt.wantCond != "" {
				if err == nil {
					t.Fatalf("succeeded as %q", neg.Username())
				}
				if f := asFailure(t, err); f.Condition != tt.wantCond {
					t.Errorf("condition = %s (%v), want %s", f.Condition, f, tt.wantCond)
				}
				if neg.Username() != "" {
					t.Errorf("Username after failure = %q", neg.Username())
				}
				return
			}
			if err != nil || !done || out != nil {
				t.Fatalf("Step = %q, %v, %v; want done with no data", out, done, err)
			}
			if neg.Username() != tt.wantUser {
				t.Errorf("Username = %q, want %q", neg.Username(), tt.wantUser)
			}
			if _, _, err := neg.Step(t.Context(), []byte(tt.msg)); err == nil {
				t.Error("second Step after success did not fail")
			}
		})
	}
}

func TestPlainNoInitialResponse(t *testing.T) {
	neg := Plain().Start(ConnState{Domain: "localhost"}, newFakeSource())
	out, done, err := neg.Step(t.Context(), nil)
	if err != nil || done || len(out) != 0 {
		t.Fatalf("Step(nil) = %q, %v, %v; want an empty challenge", out, done, err)
	}
	if _, done, err := neg.Step(t.Context(), []byte("\x00user\x00pencil")); err != nil || !done {
		t.Fatalf("Step after challenge = %v, %v; want success", done, err)
	}
}

func TestAnonymous(t *testing.T) {
	valid := regexp.MustCompile(`^anon-[0-9a-f]{16}$`)
	seen := make(map[string]bool)
	for _, trace := range []string{"", "sirhc", "trace@example.org"} {
		neg := Anonymous().Start(ConnState{Domain: "localhost"}, nil)
		if neg.Username() != "" {
			t.Errorf("Username before Step = %q", neg.Username())
		}
		out, done, err := neg.Step(t.Context(), []byte(trace))
		if err != nil || !done || out != nil {
			t.Fatalf("Step(%q) = %q, %v, %v; want done", trace, out, done, err)
		}
		name := neg.Username()
		if !valid.MatchString(name) {
			t.Errorf("Username = %q, want anon- and 16 hex digits", name)
		}
		if p, err := prepareUsername(name); err != nil || p != name {
			t.Errorf("Username %q is not a prepared localpart", name)
		}
		if seen[name] {
			t.Errorf("Username %q handed out twice", name)
		}
		seen[name] = true
		if _, _, err := neg.Step(t.Context(), nil); err == nil {
			t.Error("second Step did not fail")
		}
	}
}
