package e2e

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// limitServer runs the binary with the users alice and bob and extra
// YAML for the config file (limits, debug).
func limitServer(t *testing.T, yaml string) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")
	return srv
}

// httpConn is a kept-alive HTTPS connection to the WebSocket listener.
type httpConn struct {
	c  *tls.Conn
	br *bufio.Reader
}

func dialHTTP(addr string) (*httpConn, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		return nil, err
	}
	return &httpConn{c: c, br: bufio.NewReader(c)}, nil
}

// get asks for path and reads the whole answer, leaving the connection
// open for the next request.
func (h *httpConn) get(path string) error {
	h.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(h.c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		return err
	}
	resp, err := http.ReadResponse(h.br, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}

// waitClosed waits up to d for the server to close the connection.
func (h *httpConn) waitClosed(d time.Duration) error {
	h.c.SetReadDeadline(time.Now().Add(d))
	_, err := h.br.ReadByte()
	var ne net.Error
	switch {
	case err == nil:
		return errors.New("the server sent bytes nobody asked for")
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("still open after %v", d)
	}
	return nil
}

// servedHTTP reports whether a new connection gets an answer.
func servedHTTP(addr string) bool {
	c, err := dialHTTP(addr)
	if err != nil {
		return false
	}
	defer c.c.Close()
	return c.get("/.well-known/host-meta") == nil
}

// refusedTCP reports whether the STARTTLS listener closed a new
// connection without a word.
func refusedTCP(t *testing.T, addr string) bool {
	t.Helper()
	c, err := rawxmpp.Dial(addr)
	if err != nil {
		return true
	}
	defer c.Conn.Close()
	c.OpenStream("localhost")
	c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Conn.Read(make([]byte, 1))
	return errors.Is(err, io.EOF) || (err != nil && strings.Contains(err.Error(), "reset"))
}

// TestWebSocketHTTPConnectionsAreLimited: of 400 kept-alive HTTP
// connections from one address to the WebSocket listener, only
// limits.connections_per_ip (100) are served: they count from the moment
// they are accepted, together with TCP ones. The served ones are closed
// after limits.http_idle_timeout and give their places back.
func TestWebSocketHTTPConnectionsAreLimited(t *testing.T) {
	srv := limitServer(t, "limits:\n  trusted_networks: []\n  connections_per_ip: 100\n  connect_rate_per_ip: 0\n  http_idle_timeout: 2s\n")
	addr := srv.waitLog("listening for WebSocket clients")["addr"].(string)
	const tries, limit = 400, 100
	var held []*httpConn
	for range tries {
		c, err := dialHTTP(addr)
		if err == nil {
			err = c.get("/.well-known/host-meta")
		}
		if err != nil {
			continue
		}
		defer c.c.Close()
		held = append(held, c)
	}
	lastRequest := time.Now()
	if len(held) != limit {
		t.Fatalf("%d of %d kept-alive connections from one address were served, want %d", len(held), tries, limit)
	}
	if !refusedTCP(t, srv.starttls) {
		t.Fatal("a TCP connection was accepted while HTTP connections from the address were at the limit")
	}
	for i, c := range held {
		if err := c.waitClosed(15 * time.Second); err != nil {
			t.Fatalf("idle keep-alive connection %d: %v", i+1, err)
		}
	}
	t.Logf("%d kept-alive connections from one address: %d served, %d refused at accept; the last of them closed %.1f s after the last request (http_idle_timeout 2s)",
		tries, len(held), tries-len(held), time.Since(lastRequest).Seconds())
	deadline := time.Now().Add(10 * time.Second)
	for !servedHTTP(addr) {
		if time.Now().After(deadline) {
			t.Fatal("the closed connections never gave their places back")
		}
	}
}

// TestWebSocketHTTPConnectionMustUpgrade: a connection that keeps asking
// for host-meta, never idle long enough for limits.http_idle_timeout, is
// closed once limits.preauth_timeout has passed without it becoming a
// WebSocket.
func TestWebSocketHTTPConnectionMustUpgrade(t *testing.T) {
	srv := limitServer(t, "limits:\n  preauth_timeout: 2s\n  http_idle_timeout: 1s\n")
	addr := srv.waitLog("listening for WebSocket clients")["addr"].(string)
	c, err := dialHTTP(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.c.Close()
	accepted := time.Now()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(20 * time.Second)
	for n := 0; ; n++ {
		if err := c.get("/.well-known/host-meta"); err != nil {
			if n == 0 {
				t.Fatalf("first request: %v", err)
			}
			t.Logf("closed after %d requests, %.1f s after it was accepted (preauth_timeout 2s, http_idle_timeout 1s)", n, time.Since(accepted).Seconds())
			return
		}
		select {
		case <-tick.C:
		case <-giveUp:
			t.Fatalf("still served after %d requests over 20 s without an upgrade", n+1)
		}
	}
}

// TestWebSocketOversizedMessagesAreRefusedWhileReading: six streams each
// start a 15 MiB message before authentication and withhold its last
// byte. Each is refused with policy-violation and closed once the
// message passes limits.max_stanza_bytes_preauth, long before it could
// end, and the core does not hold what they sent.
func TestWebSocketOversizedMessagesAreRefusedWhileReading(t *testing.T) {
	srv := limitServer(t, "limits:\n  preauth_timeout: 2m\ndebug:\n  pprof: 127.0.0.1:0\n")
	wsAddr := srv.waitLog("listening for WebSocket clients")["addr"].(string)
	pprof := srv.waitLog("pprof enabled")["addr"].(string)
	heapBefore, peakBefore := coreMemory(t, srv, pprof)
	const streams, size = 6, 15 << 20
	var wg sync.WaitGroup
	conds := make([]string, streams)
	for i := range streams {
		w := dialWS(t, wsAddr)
		w.open()
		w.sendWithheld(size)
		wg.Add(1)
		go func() {
			defer wg.Done()
			conds[i] = w.streamError()
		}()
	}
	wg.Wait()
	for i, cond := range conds {
		if cond != "policy-violation" {
			t.Errorf("stream %d ended with %q, want a policy-violation stream error", i+1, cond)
		}
	}
	heapAfter, peakAfter := coreMemory(t, srv, pprof)
	t.Logf("core heap in use %.1f → %.1f MiB; peak RSS %.1f → %.1f MiB, with %d streams sending %d MiB each",
		mib(heapBefore), mib(heapAfter), mib(peakBefore), mib(peakAfter), streams, size>>20)
	if grew := peakAfter - peakBefore; grew > streams*size/4 {
		t.Errorf("the core's peak RSS grew by %.1f MiB: it buffered the messages", mib(grew))
	}
}

// TestWebSocketStanzaLimitFollowsAuthentication: once authenticated, a
// WebSocket stream has limits.max_stanza_bytes (a 20 KiB message, over
// the pre-authentication limit, goes through), and a message past it is
// refused with policy-violation while it is still arriving.
func TestWebSocketStanzaLimitFollowsAuthentication(t *testing.T) {
	srv := limitServer(t, "")
	w := dialWS(t, srv.waitLog("listening for WebSocket clients")["addr"].(string))
	w.login("alice", "ws")
	body := strings.Repeat("y", 20<<10)
	w.send("<message to='alice@localhost/ws' id='big' type='chat'><body>%s</body></message>", body)
	if got := w.expect("message").FindElement("body"); got == nil || got.Text() != body {
		t.Fatal("the 20 KiB message did not come back whole")
	}
	w.sendWithheld(15 << 20)
	if cond := w.streamError(); cond != "policy-violation" {
		t.Fatalf("a 15 MiB message after authentication ended the stream with %q, want policy-violation", cond)
	}
}

// coreMemory returns the core's heap in use (after a collection) and its
// peak resident set so far.
func coreMemory(t *testing.T, srv *server, pprofAddr string) (heap, peakRSS int64) {
	t.Helper()
	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`# HeapInuse = (\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no HeapInuse in the heap profile: %.300s", b)
	}
	heap, _ = strconv.ParseInt(string(m[1]), 10, 64)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	m = regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		t.Fatalf("no VmHWM in /proc status")
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return heap, kb << 10
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// TestWebSocketRefusedClientCannotHoldTheConnection: a client that is
// refused in the middle of a frame and then sends nothing more, never
// finishing the frame nor answering the close, has its connection cut
// once limits.write_timeout has passed, after it was sent the stream
// error.
func TestWebSocketRefusedClientCannotHoldTheConnection(t *testing.T) {
	srv := limitServer(t, "limits:\n  write_timeout: 1s\n")
	c, err := dialHTTP(srv.waitLog("listening for WebSocket clients")["addr"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer c.c.Close()
	c.c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c.c, "GET /xmpp-websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n")
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	// Frames masked with a zero key, so that the payload goes as is: the
	// <open/>, then a text frame announced at 15 MiB of which only the
	// first 64 KiB follow.
	open := "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>"
	frames := append([]byte{0x81, 0x80 | byte(len(open)), 0, 0, 0, 0}, open...)
	announced := uint32(15 << 20)
	frames = append(frames, 0x81, 0x80|127, 0, 0, 0, 0, byte(announced>>24), byte(announced>>16), byte(announced>>8), byte(announced), 0, 0, 0, 0)
	frames = append(frames, "<message><body>"+strings.Repeat("x", 64<<10)...)
	if _, err := c.c.Write(frames); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	c.c.SetDeadline(stopped.Add(30 * time.Second))
	got, err := io.ReadAll(c.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the connection was still open 30 s after the client stopped sending")
	}
	if !strings.Contains(string(got), "policy-violation") {
		t.Fatalf("closed without a policy-violation stream error: %q", got)
	}
	t.Logf("connection cut %.1f s after the client stopped sending (write_timeout 1s)", time.Since(stopped).Seconds())
}

// TestWebSocketHTTPHeadersAreBounded: the WebSocket listener holds no
// more request headers than limits.max_stanza_bytes_preauth (plus the
// slack net/http adds); a request with 64 KiB of them is refused.
func TestWebSocketHTTPHeadersAreBounded(t *testing.T) {
	srv := limitServer(t, "")
	c, err := dialHTTP(srv.waitLog("listening for WebSocket clients")["addr"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer c.c.Close()
	c.c.SetDeadline(time.Now().Add(10 * time.Second))
	big := strings.Repeat("a", 1000)
	var req strings.Builder
	req.WriteString("GET /.well-known/host-meta HTTP/1.1\r\nHost: localhost\r\n")
	for i := range 64 {
		fmt.Fprintf(&req, "X-Padding-%d: %s\r\n", i, big)
	}
	req.WriteString("\r\n")
	go io.Copy(c.c, strings.NewReader(req.String())) // the server may stop reading
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB of request headers: %s, want 431", resp.Status)
	}
}
