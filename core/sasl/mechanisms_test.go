package sasl

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestMechanisms(t *testing.T) {
	tests := []struct {
		names     []string
		anonymous bool
		want      []string
		wantErr   string
	}{
		{
			names: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"},
			want:  []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"},
		},
		{names: []string{"PLAIN", "scram-sha-1"}, want: []string{"PLAIN", "SCRAM-SHA-1"}},
		{names: []string{"PLAIN", "ANONYMOUS", "SCRAM-SHA-1"}, want: []string{"PLAIN", "SCRAM-SHA-1"}},
		{names: []string{"PLAIN", "ANONYMOUS", "SCRAM-SHA-1"}, anonymous: true, want: []string{"PLAIN", "ANONYMOUS", "SCRAM-SHA-1"}},
		{names: []string{"PLAIN"}, anonymous: true, want: []string{"PLAIN", "ANONYMOUS"}},
		{names: nil, want: nil},
		{names: []string{"PLAIN", "DIGEST-MD5"}, wantErr: `unknown SASL mechanism "DIGEST-MD5"`},
		{names: []string{"PLAIN", "plain"}, wantErr: `SASL mechanism "plain" is listed twice`},
	}
	for _, tt := range tests {
		ms, err := Mechanisms(tt.names, tt.anonymous)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Mechanisms(%q) err = %v, want %q", tt.names, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Mechanisms(%q): %v", tt.names, err)
			continue
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Name())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Mechanisms(%q, %v) = %q, want %q", tt.names, tt.anonymous, got, tt.want)
		}
	}
}

func TestSCRAMPanicsOnUnknownHash(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SCRAM(\"MD5\") did not panic")
		}
	}()
	SCRAM("MD5", false)
}

func TestAvailable(t *testing.T) {
	none := ConnState{Domain: "localhost"}
	tls12 := newTLSConn(t, tls.VersionTLS12).server
	tls13 := newTLSConn(t, tls.VersionTLS13).server
	// Without a certificate for tls-server-end-point, and without the
	// tls-unique value crypto/tls withholds from a session resumed without
	// extended master secret, a TLS 1.2 connection has no binding.
	tls12NoBinding := withoutTLSUnique(tls12)
	tls12NoBinding.ServerCert = nil

	type avail struct{ none, tls12, tls12NoBinding, tls13 bool }
	tests := []struct {
		mech Mechanism
		want avail
	}{
		{SCRAM("SHA-1", false), avail{true, true, true, true}},
		{SCRAM("SHA-256", false), avail{true, true, true, true}},
		{SCRAM("SHA-1", true), avail{false, true, false, true}},
		{SCRAM("SHA-256", true), avail{false, true, false, true}},
		{Plain(), avail{false, true, true, true}},
		{Anonymous(), avail{true, true, true, true}},
	}
	for _, tt := range tests {
		got := avail{tt.mech.Available(none), tt.mech.Available(tls12), tt.mech.Available(tls12NoBinding), tt.mech.Available(tls13)}
		if got != tt.want {
			t.Errorf("%s available on (none, TLS 1.2, TLS 1.2 without binding, TLS 1.3) = %+v, want %+v", tt.mech.Name(), got, tt.want)
		}
	}
}

func TestChannelBindingTypes(t *testing.T) {
	tls12 := newTLSConn(t, tls.VersionTLS12).server
	tls13 := newTLSConn(t, tls.VersionTLS13).server
	tls13NoCert := tls13
	tls13NoCert.ServerCert = nil
	tls12NoCert := tls12
	tls12NoCert.ServerCert = nil
	tests := []struct {
		name string
		cs   ConnState
		want []string
	}{
		{"no TLS", ConnState{}, nil},
		{"TLS 1.2", tls12, []string{TLSServerEndPoint, TLSUnique}},
		{"TLS 1.2 without certificate", tls12NoCert, []string{TLSUnique}},
		{"TLS 1.2 without tls-unique", withoutTLSUnique(tls12), []string{TLSServerEndPoint}},
		{"TLS 1.3", tls13, []string{TLSExporter, TLSServerEndPoint}},
		{"TLS 1.3 without certificate", tls13NoCert, []string{TLSExporter}},
	}
	for _, tt := range tests {
		if got := ChannelBindingTypes(tt.cs); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ChannelBindingTypes = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// withoutTLSUnique is cs as crypto/tls reports a TLS 1.2 session resumed
// without extended master secret: no tls-unique value.
func withoutTLSUnique(cs ConnState) ConnState {
	state := *cs.TLS
	state.TLSUnique = nil
	cs.TLS = &state
	return cs
}

func TestFailure(t *testing.T) {
	cause := errors.New("cause")
	f := &Failure{Condition: NotAuthorized, Text: "authentication failed", Err: cause}
	var err error = f
	if !errors.Is(err, cause) {
		t.Error("Failure does not unwrap to its cause")
	}
	if got, want := f.Error(), "sasl not-authorized: authentication failed: cause"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&Failure{Condition: Aborted}).Error(), "sasl aborted"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
