package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a running `switchboard serve` with JSON logs, read as they come
// so that listener addresses (ports :0) can be found in them.
type server struct {
	t         *testing.T
	mu        sync.Mutex
	cond      *sync.Cond
	lines     []map[string]any
	starttls  string
	websocket string
}

// startServer creates the accounts (password "pw") with the CLI, then runs
// the server in dir on free loopback ports and waits until it has started.
func startServer(t *testing.T, dir string, users ...string) *server {
	t.Helper()
	// The data directory is the default, ./data under dir.
	env := append(os.Environ(), "SWITCHBOARD_LOG_FORMAT=json", "SWITCHBOARD_LOG_LEVEL=debug",
		"SWITCHBOARD_LISTEN_WEBSOCKET=127.0.0.1:0")
	for _, u := range users {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, binary, "user", "add", u, "--password", "pw")
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("switchboard user add %s: %v\n%s", u, err, out)
		}
	}

	s := &server{t: t}
	s.cond = sync.NewCond(&s.mu)
	cmd := exec.Command(binary, "serve", "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0")
	cmd.Dir, cmd.Env = dir, env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting switchboard serve: %v", err)
	}
	go s.readLogs(stderr)
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	// SIGTERM lets the server stop its plugin processes; a SIGKILLed core
	// leaves them running for a while.
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	s.starttls = s.waitLog("listening for STARTTLS clients")["addr"].(string)
	s.websocket = s.waitLog("listening for WebSocket clients")["addr"].(string)
	s.waitLog("server started")
	return s
}

func (s *server) readLogs(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			line = map[string]any{"@message": sc.Text()}
		}
		s.add(line)
	}
	s.add(map[string]any{"@message": "<eof>"})
}

func (s *server) add(line map[string]any) {
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.cond.Broadcast()
	s.mu.Unlock()
}

// waitLog waits until a log line whose message contains msg appears.
func (s *server) waitLog(msg string) map[string]any {
	s.t.Helper()
	timer := time.AfterFunc(30*time.Second, func() { s.add(map[string]any{"@message": "<timeout>"}) })
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; ; i++ {
		for i >= len(s.lines) {
			s.cond.Wait()
		}
		m, _ := s.lines[i]["@message"].(string)
		if strings.Contains(m, msg) {
			return s.lines[i]
		}
		if m == "<eof>" || m == "<timeout>" {
			s.t.Fatalf("log line %q never appeared; log:\n%s", msg, s.logTextLocked())
		}
	}
}

// logText is the server's log so far, for failure messages.
func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logTextLocked()
}

func (s *server) logTextLocked() string {
	var b strings.Builder
	for _, l := range s.lines {
		js, _ := json.Marshal(l)
		b.Write(js)
		b.WriteByte('\n')
	}
	return b.String()
}
