package accounts

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"testing"
)

// The conversations of RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3
// (SCRAM-SHA-256), both for user "user" with password "pencil". The keys
// derived from the password must reproduce the client proof and the server
// signature that the RFCs print; the keys themselves are pinned too, so a
// regression names the value that changed.
var rfcVectors = []struct {
	name            string
	h               func() hash.Hash
	salt            string
	clientFirstBare string
	serverFirst     string
	clientFinalBare string
	proof           string
	serverSignature string
	storedKey       string
	serverKey       string
}{
	{
		name:            "RFC 5802 SCRAM-SHA-1",
		h:               sha1.New,
		salt:            "QSXCR+Q6sek8bf92",
		clientFirstBare: "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
		serverFirst:     "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		clientFinalBare: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
		proof:           "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		serverSignature: "rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		storedKey:       "6dlGYMOdZcOPutkcNY8U2g7vK9Y=",
		serverKey:       "D+CSWLOshSulAsxiupA+qs2/fTE=",
	},
	{
		name:            "RFC 7677 SCRAM-SHA-256",
		h:               sha256.New,
		salt:            "W22ZaJ0SNY7soEsUEjb6gQ==",
		clientFirstBare: "n=user,r=rOprNGfwEbeRWgbNEkqO",
		serverFirst:     "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		clientFinalBare: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		proof:           "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		serverSignature: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		storedKey:       "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=",
		serverKey:       "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
	},
}

func TestDeriveKeysRFCVectors(t *testing.T) {
	for _, v := range rfcVectors {
		t.Run(v.name, func(t *testing.T) {
			salt := b64(t, v.salt)
			keys, err := deriveKeys(v.h, "pencil", salt, 4096)
			if err != nil {
				t.Fatalf("deriveKeys: %v", err)
			}
			authMessage := v.clientFirstBare + "," + v.serverFirst + "," + v.clientFinalBare

			// ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage);
			// the server accepts when H(ClientKey) is the StoredKey.
			signature := hmacSum(v.h, keys.StoredKey, authMessage)
			proof := b64(t, v.proof)
			clientKey := make([]byte, len(proof))
			for i := range proof {
				clientKey[i] = proof[i] ^ signature[i]
			}
			h := v.h()
			h.Write(clientKey)
			if !bytes.Equal(h.Sum(nil), keys.StoredKey) {
				t.Errorf("StoredKey %s does not verify the RFC's client proof", enc(keys.StoredKey))
			}
			if got := enc(hmacSum(v.h, keys.ServerKey, authMessage)); got != v.serverSignature {
				t.Errorf("server signature from ServerKey = %s, want %s", got, v.serverSignature)
			}
			if enc(keys.StoredKey) != v.storedKey || enc(keys.ServerKey) != v.serverKey {
				t.Errorf("keys = %s, %s; want %s, %s", enc(keys.StoredKey), enc(keys.ServerKey), v.storedKey, v.serverKey)
			}
			if keys.Iterations != 4096 || !bytes.Equal(keys.Salt, salt) {
				t.Errorf("keys carry salt %x and %d iterations, want %x and 4096", keys.Salt, keys.Iterations, salt)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	keys, err := deriveKeys(sha256.New, "pencil", []byte("0123456789abcdef"), 4096)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		password string
		want     bool
	}{
		{"pencil", true},
		{"Pencil", false},
		{"pencil ", false},
		{"", false},
		{"pen\x00cil", false},
	}
	for _, tt := range tests {
		got, err := verify(sha256.New, keys, tt.password)
		if err != nil || got != tt.want {
			t.Errorf("verify(%q) = %v, %v; want %v", tt.password, got, err, tt.want)
		}
	}
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return b
}

func enc(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
