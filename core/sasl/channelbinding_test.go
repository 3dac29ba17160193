package sasl

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/xdg-go/scram"
)

// TestEndPointHash compares our tls-server-end-point value, computed from the
// certificate we present, with what xdg-go's client computes from the
// certificate it received, for each hash that RFC 5929 maps.
func TestEndPointHash(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cert    *x509.Certificate
		wantLen int // 0: no binding
	}{
		{"ECDSA P-256", cert(t, p256, &p256.PublicKey), 32},
		{"ECDSA P-384", cert(t, p384, &p384.PublicKey), 48},
		{"RSA", cert(t, rsaKey, &rsaKey.PublicKey), 32},
		{"Ed25519", cert(t, edKey, edPub), 0},
		{"none", nil, 0},
	}
	for _, tt := range tests {
		got, err := endPointHash(tt.cert)
		if tt.wantLen == 0 {
			if err == nil {
				t.Errorf("%s: endPointHash succeeded, want no binding", tt.name)
			}
			continue
		}
		if err != nil || len(got) != tt.wantLen {
			t.Errorf("%s: endPointHash = %d bytes, %v; want %d bytes", tt.name, len(got), err, tt.wantLen)
			continue
		}
		want, err := scram.NewTLSServerEndpointBinding(&tls.ConnectionState{PeerCertificates: []*x509.Certificate{tt.cert}})
		if err != nil {
			t.Fatalf("%s: client side: %v", tt.name, err)
		}
		if string(got) != string(want.Data) {
			t.Errorf("%s: server and client disagree on tls-server-end-point", tt.name)
		}
	}
}

func cert(t *testing.T, key crypto.Signer, pub any) *x509.Certificate {
	t.Helper()
	_, leaf := selfSignedWith(t, key, pub)
	return leaf
}
