package sasl

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestSCRAMUnknownUserLooksReal checks that an unknown user gets a
// server-first-message like a real one: a stable salt per username, the
// usual iteration count, and failure only after the proof.
func TestSCRAMUnknownUserLooksReal(t *testing.T) {
	m := SCRAM("SHA-256", false)
	cs := ConnState{Domain: "localhost"}
	first := func(user string) (salt, iters string) {
		t.Helper()
		neg := m.Start(cs, newFakeSource())
		out, _, err := neg.Step(t.Context(), []byte("n,,n="+user+",r=abcdef"))
		if err != nil {
			t.Fatalf("client-first for %s: %v", user, err)
		}
		fields := strings.Split(string(out), ",")
		if len(fields) != 3 {
			t.Fatalf("server-first-message %q", out)
		}
		return strings.TrimPrefix(fields[1], "s="), strings.TrimPrefix(fields[2], "i=")
	}
	real, realIters := first("user")
	a1, aIters := first("nobody")
	a2, _ := first("Nobody")
	b, _ := first("somebody")
	if a1 != a2 {
		t.Errorf("salt for the same unknown user changed: %s, %s", a1, a2)
	}
	if a1 == b || a1 == real {
		t.Errorf("unknown users share a salt: %s %s %s", a1, b, real)
	}
	if raw, err := base64.StdEncoding.DecodeString(a1); err != nil || len(raw) != 16 {
		t.Errorf("fake salt %q is not 16 bytes of base64", a1)
	}
	if aIters != realIters {
		t.Errorf("unknown user gets %s iterations, a real one %s", aIters, realIters)
	}
}

func TestSCRAMMalformed(t *testing.T) {
	tests := []struct {
		name  string
		steps []string
		want  string
	}{
		{"garbage first", []string{"hello"}, MalformedRequest},
		{"bad gs2 flag", []string{"x,,n=user,r=abc"}, MalformedRequest},
		{"bad name escape", []string{"n,,n=us=er,r=abc"}, MalformedRequest},
		{"extension", []string{"n,,m=ext,n=user,r=abc"}, MalformedRequest},
		{"not UTF-8", []string{"n,,n=\xff,r=abc"}, MalformedRequest},
		{"garbage final", []string{"n,,n=user,r=abc", "nonsense"}, MalformedRequest},
		{"wrong nonce", []string{"n,,n=user,r=abc", "c=biws,r=abcd,p=AAAA"}, NotAuthorized},
		{"empty after challenge", []string{"", ""}, MalformedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			neg := SCRAM("SHA-256", false).Start(ConnState{Domain: "localhost"}, newFakeSource())
			var err error
			for _, s := range tt.steps {
				if _, _, err = neg.Step(t.Context(), []byte(s)); err != nil {
					break
				}
			}
			if err == nil {
				t.Fatal("no failure")
			}
			if f := asFailure(t, err); f.Condition != tt.want {
				t.Errorf("condition = %s (%v), want %s", f.Condition, f, tt.want)
			}
			if _, _, err := neg.Step(t.Context(), []byte("n,,n=user,r=abc")); err == nil {
				t.Error("Step after failure did not fail")
			}
		})
	}
}

// TestSCRAMNoInitialResponse checks that a client which sent no initial
// response gets an empty challenge and can then authenticate.
func TestSCRAMNoInitialResponse(t *testing.T) {
	neg := SCRAM("SHA-256", false).Start(ConnState{Domain: "localhost"}, newFakeSource())
	out, done, err := neg.Step(t.Context(), nil)
	if err != nil || done || len(out) != 0 {
		t.Fatalf("Step(nil) = %q, %v, %v; want an empty challenge", out, done, err)
	}
	client := newClient(t, "SCRAM-SHA-256", "user", "pencil", "", noBinding, nil, nil)
	if step, f := converse(t, neg, client); step != 0 {
		t.Fatalf("failed at step %d: %v", step, f)
	}
}
