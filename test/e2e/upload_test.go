package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// uploadCert writes a certificate for upload.localhost and 127.0.0.1 with
// its key under dir, as an operator's cert_file and key_file, and returns
// their paths.
func uploadCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "upload.localhost"},
		DNSNames:     []string{"upload.localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Its own issuer: clients that are given the file trust it as a CA.
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "upload.crt"), filepath.Join(dir, "upload.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// uploadConfig is a server config with the upload service on, its
// listener on loopback with the certificate in dir.
func uploadConfig(t *testing.T, dir, extra string) (cfg, certFile string) {
	t.Helper()
	certFile, keyFile := uploadCert(t, dir)
	cfg = filepath.Join(dir, "switchboard.yaml")
	yaml := fmt.Sprintf(`plugins:
  upload:
    enabled: true
    config:
      listen: 127.0.0.1:0
      cert_file: %s
      key_file: %s
      dir: uploads
      max_file_size: 1000
      quota: 1500
%s`, certFile, keyFile, extra)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, certFile
}

// httpsClient trusts certFile and reaches every host at addr, as DNS
// would point upload.localhost there.
func httpsClient(t *testing.T, certFile, addr string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func httpDo(t *testing.T, c *http.Client, method, link string, body []byte, ctype string) (int, []byte, http.Header) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, link, r)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, link, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

func slotRequest(t *testing.T, c *rawxmpp.Client, id, name string, size int, ctype string) *etree.Element {
	t.Helper()
	return iq(t, c, id, "<iq type='get' to='upload.localhost' id='%s'><request xmlns='urn:xmpp:http:upload:0' filename='%s' size='%d' content-type='%s'/></iq>", id, name, size, ctype)
}

// TestUpload: the built binary with upload enabled. A client finds the
// service in disco with its size limit, asks for a slot over XMPP, PUTs
// the file over HTTPS and anyone GETs the same bytes back; the XEP's
// errors and the PUTs that do not match their slot are refused.
func TestUpload(t *testing.T) {
	dir := t.TempDir()
	cfg, certFile := uploadConfig(t, dir, "")
	if out, err := run(t, dir, nil, "", "user", "add", "alice@localhost", "--password", "pw", "--config", cfg); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	addr, _ := srv.waitLog("upload service ready")["addr"].(string)
	srv.waitLog("server started")
	alice, _ := login(t, srv, "alice", "a")
	web := httpsClient(t, certFile, addr)

	items := iq(t, alice, "items", "<iq type='get' to='localhost' id='items'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
	if items.FindElement("query/item[@jid='upload.localhost']") == nil {
		t.Fatalf("the server's disco#items does not list upload.localhost: %s", rawxmpp.Describe(items))
	}
	info := iq(t, alice, "info", "<iq type='get' to='upload.localhost' id='info'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if info.FindElement("query/identity[@category='store'][@type='file']") == nil || info.FindElement("query/x/field[@var='max-file-size']/value").Text() != "1000" {
		t.Fatalf("disco#info of upload.localhost: %s", rawxmpp.Describe(info))
	}

	body := bytes.Repeat([]byte("photo bytes "), 50) // 600 bytes
	r := slotRequest(t, alice, "s1", "photo.jpg", len(body), "image/jpeg")
	put := r.FindElement("slot/put")
	get := r.FindElement("slot/get")
	if r.SelectAttrValue("type", "") != "result" || put == nil || get == nil {
		t.Fatalf("slot: %s", rawxmpp.Describe(r))
	}
	putURL, getURL := put.SelectAttrValue("url", ""), get.SelectAttrValue("url", "")
	_, port, _ := net.SplitHostPort(addr)
	if !strings.HasPrefix(putURL, "https://upload.localhost:"+port+"/") {
		t.Errorf("PUT URL %s, want one on https://upload.localhost:%s", putURL, port)
	}
	if code, _, _ := httpDo(t, web, http.MethodPut, putURL, body[:599], "image/jpeg"); code != http.StatusBadRequest {
		t.Errorf("PUT shorter than the slot: %d, want 400", code)
	}
	if code, _, _ := httpDo(t, web, http.MethodPut, putURL, body, "text/html"); code != http.StatusBadRequest {
		t.Errorf("PUT of another type: %d, want 400", code)
	}
	if code, msg, _ := httpDo(t, web, http.MethodPut, putURL, body, "image/jpeg"); code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", code, msg)
	}
	if code, _, _ := httpDo(t, web, http.MethodPut, putURL, body, "image/jpeg"); code != http.StatusConflict {
		t.Errorf("PUT again: %d, want 409", code)
	}
	code, got, h := httpDo(t, web, http.MethodGet, getURL, nil, "")
	if code != http.StatusOK || !bytes.Equal(got, body) || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("GET: %d, %d bytes, headers %v", code, len(got), h)
	}

	r = slotRequest(t, alice, "s2", "big.bin", 1001, "application/octet-stream")
	if r.FindElement("error/not-acceptable") == nil || r.FindElement("error/file-too-large/max-file-size") == nil || r.FindElement("error/file-too-large/max-file-size").Text() != "1000" {
		t.Errorf("a file over max_file_size: %s", rawxmpp.Describe(r))
	}
	// 600 bytes are kept; 901 more would pass the quota of 1500.
	r = slotRequest(t, alice, "s3", "more.bin", 901, "application/octet-stream")
	if r.SelectAttrValue("type", "") != "error" || r.FindElement("error/resource-constraint") == nil || r.FindElement("error").SelectAttrValue("type", "") != "wait" {
		t.Errorf("over the quota: %s", rawxmpp.Describe(r))
	}
	if r := slotRequest(t, alice, "s4", "fits.bin", 900, "application/octet-stream"); r.SelectAttrValue("type", "") != "result" {
		t.Errorf("within the quota: %s", rawxmpp.Describe(r))
	}
	files, err := os.ReadDir(filepath.Join(dir, "uploads"))
	if err != nil || len(files) != 1 {
		t.Errorf("files under dir: %v %v, want the one uploaded", files, err)
	}
}

// TestSlixmppUpload: slixmpp's XEP-0363 plugin, a client we did not
// write, finds the service through the server's disco#items, reads the
// size limit, gets a slot and PUTs with aiohttp; the file comes back
// whole from the URL it was given. The service's URLs name 127.0.0.1
// (url), since upload.localhost resolves nowhere but in the Go tests.
func TestSlixmppUpload(t *testing.T) {
	requireSlixmpp(t)
	dir := t.TempDir()
	// A free port for the listener, so that url can name it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg, certFile := uploadConfig(t, dir, "limits:\n  trusted_networks: []\n")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("listen: 127.0.0.1:0\n"), fmt.Appendf(nil, "listen: 127.0.0.1:%d\n      url: https://127.0.0.1:%d\n", port, port), 1)
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw-"+u, "--config", cfg); err != nil {
			t.Fatalf("user add %s: %v\n%s", u, err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	})
	addr, _ := srv.waitLog("upload service ready")["addr"].(string)
	srv.waitLog("server started")
	// aiohttp trusts what SSL_CERT_FILE names; the XMPP stream trusts the
	// server's own certificate, given to slixmpp directly.
	t.Setenv("SSL_CERT_FILE", certFile)
	alice := slixmppLogin(t, srv, "alice")

	body := strings.Repeat("a note from slixmpp\n", 20)
	ev := alice.do(t, map[string]any{"cmd": "upload", "name": "note.txt", "type": "text/plain", "body": body})
	if !strings.HasPrefix(ev.URL, fmt.Sprintf("https://127.0.0.1:%d/", port)) || !strings.HasSuffix(ev.URL, "/note.txt") {
		t.Fatalf("slixmpp uploaded to %q", ev.URL)
	}
	code, got, h := httpDo(t, httpsClient(t, certFile, addr), http.MethodGet, ev.URL, nil, "")
	if code != http.StatusOK || string(got) != body || h.Get("Content-Type") != "text/plain" {
		t.Fatalf("GET %s: %d, %q, %v", ev.URL, code, got, h)
	}
	// Over the limit slixmpp refuses by itself, from the size in disco.
	if ev := alice.try(t, map[string]any{"cmd": "upload", "name": "big.txt", "type": "text/plain", "body": strings.Repeat("x", 1001)}); ev.Event != "error" || ev.Condition != "FileTooBig" {
		t.Errorf("a file over max_file_size: %+v, want slixmpp's FileTooBig", ev)
	}
}
