package browser

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
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

// TestConverseUploadsAFile: Converse.js in Chromium finds the upload
// service (XEP-0363) through disco, asks it for a slot, PUTs a file from
// its page's origin to the upload listener's (CORS preflight included) and
// sends bob the link; bob, on STARTTLS with our raw client, downloads the
// same bytes from it.
func TestConverseUploadsAFile(t *testing.T) {
	tl := requireTools(t)
	dir := t.TempDir()
	// The upload listener serves the server's own (self-signed) certificate,
	// which the server writes under data/tls before the plugins start.
	for k, v := range map[string]string{
		"SWITCHBOARD_PLUGINS__UPLOAD__ENABLED":           "true",
		"SWITCHBOARD_PLUGINS__UPLOAD__CONFIG__LISTEN":    "127.0.0.1:0",
		"SWITCHBOARD_PLUGINS__UPLOAD__CONFIG__CERT_FILE": "data/tls/localhost.crt",
		"SWITCHBOARD_PLUGINS__UPLOAD__CONFIG__KEY_FILE":  "data/tls/localhost.key",
	} {
		t.Setenv(k, v)
	}
	srv := startServer(t, dir, "alice@localhost", "bob@localhost")
	uploadAddr, _ := srv.waitLog("upload service ready")["addr"].(string)
	page := servePage(t)

	bob, _, err := rawxmpp.Login(srv.starttls, "localhost", "bob", "pw", "desktop")
	if err != nil {
		t.Fatalf("bob logging in over TCP: %v", err)
	}
	t.Cleanup(func() { bob.Conn.Close() })

	const (
		aliceJID = "alice@localhost/browser"
		name     = "converse-note.txt"
		text     = "uploaded from Converse.js in Chromium"
	)
	d := startScript(t, tl.node, "drive_upload.mjs", 90*time.Second,
		"CHROMIUM="+tl.chromium,
		"PAGE_URL="+page,
		"WEBSOCKET_URL=wss://"+srv.websocket+"/xmpp-websocket",
		"SPKI="+spkiHash(t, srv.websocket),
		"JID="+aliceJID,
		"PASSWORD=pw",
		"PEER=bob@localhost",
		"FILE_NAME="+name,
		"FILE_TEXT="+text,
	)
	go func() {
		<-d.done
		bob.Conn.Close()
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\n--- drive_upload.mjs:\n%s\n--- server log:\n%s", append(args, d.output(), srv.logText())...)
	}

	bob.Timeout = 60 * time.Second
	msg, err := bob.Expect(func(el *etree.Element) bool {
		return el.Tag == "message" && el.FindElement("body") != nil
	})
	if err != nil {
		fail("bob waiting for the browser's link: %v", err)
	}
	link := strings.TrimSpace(msg.FindElement("body").Text())
	if !strings.HasPrefix(link, "https://upload.localhost:") || !strings.HasSuffix(link, "/"+name) {
		fail("bob got %q, want a link to %s on upload.localhost: %s", link, name, rawxmpp.Describe(msg))
	}
	got, ctype := download(t, dir, uploadAddr, link)
	if got != text || !strings.HasPrefix(ctype, "text/plain") {
		fail("bob downloaded %q (%s), want %q", got, ctype, text)
	}
	<-d.done
	if d.err != nil {
		fail("drive_upload.mjs: %v", d.err)
	}
	t.Logf("drive_upload.mjs:\n%s", d.output())
}

// download GETs link from the upload listener at addr, as upload.localhost
// would resolve, trusting exactly the server's certificate under dir.
func download(t *testing.T, dir, addr, link string) (body, ctype string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "data", "tls", "localhost.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("no certificate in data/tls/localhost.crt")
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		// The certificate names localhost, not upload.localhost: the pin
		// is to the certificate itself, as Chromium's is to its key.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], block.Bytes) {
				return errors.New("not the server's certificate")
			}
			return nil
		}},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", link, resp.Status, err)
	}
	return string(got), resp.Header.Get("Content-Type")
}
