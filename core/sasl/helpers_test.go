package sasl

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/xdg-go/scram"
)

// fakeSource is a CredentialSource over a map of username to password,
// deriving keys with xdg-go's client as an independent implementation.
type fakeSource struct {
	passwords map[string]string
	broken    string // this username's lookups fail with a storage error
	sha1Only  string // this username has no SCRAM-SHA-256 keys (imported)
	lookups   []string
}

var errStorage = errors.New("database is on fire")

func newFakeSource() *fakeSource {
	return &fakeSource{passwords: map[string]string{"user": "pencil", "alice": "wonderland", "o=k,user": "pw", "imported": "pw"}, broken: "broken", sha1Only: "imported"}
}

func (f *fakeSource) SCRAM(_ context.Context, username string, sha256 bool) (SCRAMKeys, error) {
	f.lookups = append(f.lookups, username)
	if username == f.broken {
		return SCRAMKeys{}, errStorage
	}
	pw, ok := f.passwords[username]
	if !ok {
		return SCRAMKeys{}, ErrUnknownUser
	}
	if sha256 && username == f.sha1Only {
		return SCRAMKeys{}, ErrNoKeys
	}
	h := scram.SHA1
	if sha256 {
		h = scram.SHA256
	}
	c, err := h.NewClient(username, pw, "")
	if err != nil {
		return SCRAMKeys{}, err
	}
	salt := "salt-of-" + username
	sc, err := c.GetStoredCredentialsWithError(scram.KeyFactors{Salt: salt, Iters: 4096})
	if err != nil {
		return SCRAMKeys{}, err
	}
	return SCRAMKeys{Salt: []byte(salt), Iterations: 4096, StoredKey: sc.StoredKey, ServerKey: sc.ServerKey}, nil
}

func (f *fakeSource) VerifyPlain(_ context.Context, username, password string) (bool, error) {
	f.lookups = append(f.lookups, username)
	if username == f.broken {
		return false, errStorage
	}
	pw, ok := f.passwords[username]
	if !ok {
		return false, ErrUnknownUser
	}
	return pw == password, nil
}

// tlsConn is both ends of a real TLS connection, so that ConnectionState,
// and with it channel binding, is what a server would really see.
type tlsConn struct {
	server ConnState
	client tls.ConnectionState
}

// newTLSConn handshakes over net.Pipe with a fresh self-signed certificate.
func newTLSConn(t testing.TB, version uint16) tlsConn {
	t.Helper()
	cert, leaf := selfSigned(t)
	sc, cc := net.Pipe()
	t.Cleanup(func() {
		sc.Close()
		cc.Close()
	})
	server := tls.Server(sc, &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   version,
		MaxVersion:   version,
		// A TLS 1.3 server writes tickets after the handshake, which would
		// block on the unbuffered pipe since the client does not read.
		SessionTicketsDisabled: true,
	})
	client := tls.Client(cc, &tls.Config{
		InsecureSkipVerify: true, // the test trusts its own fresh certificate
		MinVersion:         version,
		MaxVersion:         version,
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- server.HandshakeContext(ctx) }()
	if err := client.HandshakeContext(ctx); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	state := server.ConnectionState()
	return tlsConn{
		server: ConnState{TLS: &state, ServerCert: leaf, Domain: "localhost"},
		client: client.ConnectionState(),
	}
}

func selfSigned(t testing.TB) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return selfSignedWith(t, key, &key.PublicKey)
}

func selfSignedWith(t testing.TB, key crypto.Signer, pub any) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

// converse runs a full SCRAM exchange between an xdg-go client conversation
// and neg. It returns the step (1 or 2) at which the server failed, and the
// failure; step 0 means success, after the client verified the server's
// signature.
func converse(t *testing.T, neg Negotiation, client *scram.ClientConversation) (int, *Failure) {
	t.Helper()
	ctx := t.Context()
	c1, err := client.Step("")
	if err != nil {
		t.Fatalf("client-first: %v", err)
	}
	s1, done, err := neg.Step(ctx, []byte(c1))
	if err != nil {
		return 1, asFailure(t, err)
	}
	if done {
		t.Fatal("server finished after client-first-message")
	}
	c2, err := client.Step(string(s1))
	if err != nil {
		t.Fatalf("client rejected server-first-message %q: %v", s1, err)
	}
	s2, done, err := neg.Step(ctx, []byte(c2))
	if err != nil {
		return 2, asFailure(t, err)
	}
	if !done {
		t.Fatal("server not done after client-final-message")
	}
	if _, err := client.Step(string(s2)); err != nil {
		t.Fatalf("client rejected server-final-message %q: %v", s2, err)
	}
	if !client.Valid() {
		t.Fatal("client did not validate the server")
	}
	return 0, nil
}

func asFailure(t *testing.T, err error) *Failure {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("error %v (%T) is not a *Failure", err, err)
	}
	return f
}
