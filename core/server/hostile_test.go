package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestSlowlorisIsCutOff trickles a stream header one byte every 50 ms: the
// pre-authentication deadline is absolute, so trickling does not extend
// it, and the stream ends with connection-timeout.
func TestSlowlorisIsCutOff(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.PreauthTimeout = 500 * time.Millisecond })
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	started := time.Now()
	go func() {
		for _, b := range []byte(header + "<message><body>" + strings.Repeat("x", 200)) {
			if _, err := c.Conn.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	if err := c.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	expectStreamError(t, c, "connection-timeout")
	if d := time.Since(started); d > 5*time.Second {
		t.Errorf("a trickling client kept its stream for %v", d)
	}
}

// TestTLSHandshakeNeverFinished opens the direct TLS port and sends
// nothing: the server gives up after the handshake timeout.
func TestTLSHandshakeNeverFinished(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.TLSHandshakeTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", s.direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err != io.EOF && !strings.Contains(errString(err), "reset") {
		t.Fatalf("a handshake that never started: %v, want the connection closed", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestClientThatNeverReads floods a client that reads nothing: its
// queue is bounded, its stream is closed when the queue fills, and the
// sender is not held up.
func TestClientThatNeverReads(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.SendQueueBytes = 300_000
		c.Limits.MaxStanzaBytes = 262144
		c.Limits.WriteTimeout = time.Second
	})
	alice, _ := s.login(t, "alice", "a")
	_, bobJID := s.login(t, "bob", "deaf") // bob never reads again
	body := strings.Repeat("y", 4000)
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; len(s.Sessions().Resources("bob@localhost")) > 0; i++ {
		if time.Now().After(deadline) {
			t.Fatal("the deaf client was never disconnected")
		}
		// Headlines: once bob is gone they vanish instead of bouncing back
		// to alice, who reads nothing either while she floods.
		alice.Sendf("<message to='%s' type='headline' id='f%d'><body>%s</body></message>", bobJID, i, body)
	}
	// alice is still served.
	alice.Send("<iq type='set' id='still'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
	if _, err := alice.Expect(rawxmpp.ID("still")); err != nil {
		t.Fatalf("the sender was dropped with the deaf client: %v", err)
	}
}

// TestForbiddenCodePointsInJIDs: addresses that fail RFC 7622 preparation
// get jid-malformed, whatever part breaks.
func TestForbiddenCodePointsInJIDs(t *testing.T) {
	s := start(t, nil)
	alice, _ := s.login(t, "alice", "a")
	// Each is a valid XML character that RFC 7622 forbids where it stands.
	for i, to := range []string{"al ice@localhost", "bob@local host", "bob@localhost/\u0085nel", "a\u200b@localhost", "\u00a0bob@localhost"} {
		id := "j" + string(rune('0'+i))
		alice.Sendf("<message to='%s' id='%s'><body>x</body></message>", to, id)
		expectStanzaError(t, alice, id, "jid-malformed")
	}
}

// writeCert writes a self-signed certificate for cn to dir.
func writeCert(t *testing.T, dir, cn string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func presentedCN(t *testing.T, addr string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// TestCertificateReload replaces the certificate files and reloads (what
// SIGHUP does): new connections get the new certificate, without a
// restart.
func TestCertificateReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, "old.example")
	s := start(t, func(c *config.Config) { c.TLS.CertFile, c.TLS.KeyFile = certFile, keyFile })
	if cn := presentedCN(t, s.direct); cn != "old.example" {
		t.Fatalf("presented %s", cn)
	}
	writeCert(t, dir, "new.example")
	if err := s.Reload(context.Background(), s.cfg); err != nil {
		t.Fatal(err)
	}
	if cn := presentedCN(t, s.direct); cn != "new.example" {
		t.Errorf("after reload presented %s, want new.example", cn)
	}
}

// TestTLSBelow12IsRefused: TLS 1.0 and 1.1 are not offered.
func TestTLSBelow12IsRefused(t *testing.T) {
	s := start(t, nil)
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		c, err := tls.Dial("tcp", s.direct, &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v})
		if err == nil {
			c.Close()
			t.Errorf("a TLS %x handshake succeeded", v)
		}
	}
}

// TestReloadSaysWhatNeedsARestart: a reload applies log.level at once and
// names, at WARN, the changed keys it cannot apply; it said "configuration
// reloaded" and ignored both before.
func TestReloadSaysWhatNeedsARestart(t *testing.T) {
	s := start(t, nil) // logs at warn
	next := *s.cfg
	next.Log.Level = "debug"
	next.Listen.C2S = "127.0.0.1:1"
	next.Limits.MaxResources = s.cfg.Limits.MaxResources + 1
	if err := s.Reload(context.Background(), &next); err != nil {
		t.Fatal(err)
	}
	if s.logs.count(`[WARN]  test: configuration reloaded, but these changed keys take effect only after a restart: keys="limits.max_resources, listen.c2s"`) != 1 {
		t.Errorf("no WARN naming exactly limits.max_resources and listen.c2s: %q", s.logs.lines)
	}
	// The server logged at warn: its own INFO line shows debug applied.
	if s.logs.count("[INFO]  test: configuration reloaded: plugins=0 log_level=debug") != 1 {
		t.Errorf("log.level debug not applied: %q", s.logs.lines)
	}
}
