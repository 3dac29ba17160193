package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a running `switchboard serve` process.
type server struct {
	t        testing.TB
	cmd      *exec.Cmd
	dir      string
	env      []string
	starttls string
	direct   string

	mu    sync.Mutex
	lines []map[string]any
	cond  *sync.Cond
	exit  chan error
}

// run executes a switchboard command in dir and returns its output.
func run(t testing.TB, dir string, env []string, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), suiteStorage.env(t, dir, env)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// startServer runs `switchboard serve` in dir on free loopback ports with
// JSON logs, and waits until both listeners are up.
func startServer(t testing.TB, dir string, env []string, args ...string) *server {
	t.Helper()
	return startServerUnder(t, dir, env, nil, args...)
}

// startServerUnder is startServer with the server run by the command
// launcher (say prlimit with its options and "--"); nil runs it directly.
func startServerUnder(t testing.TB, dir string, env, launcher []string, args ...string) *server {
	t.Helper()
	s := &server{t: t, dir: dir, exit: make(chan error, 1)}
	s.cond = sync.NewCond(&s.mu)
	s.env = append([]string{"SWITCHBOARD_LOG_FORMAT=json", "SWITCHBOARD_LOG_LEVEL=debug", "SWITCHBOARD_LISTEN_WEBSOCKET=127.0.0.1:0"}, suiteStorage.env(t, dir, env)...)
	all := append([]string{binary, "serve", "--listen-c2s", "127.0.0.1:0", "--listen-c2s-tls", "127.0.0.1:0"}, args...)
	all = append(slices.Clone(launcher), all...)
	s.cmd = exec.Command(all[0], all[1:]...)
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), s.env...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go s.readLogs(stderr)
	go func() { s.exit <- s.cmd.Wait() }()
	t.Cleanup(s.kill)
	s.starttls = s.waitLog("listening for STARTTLS clients")["addr"].(string)
	s.direct = s.waitLog("listening for direct TLS clients")["addr"].(string)
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
		s.mu.Lock()
		s.lines = append(s.lines, line)
		s.cond.Broadcast()
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.lines = append(s.lines, map[string]any{"@message": "<eof>"})
	s.cond.Broadcast()
	s.mu.Unlock()
}

// waitLog waits until a log line whose message contains msg appears.
func (s *server) waitLog(msg string) map[string]any {
	s.t.Helper()
	return s.waitLogWhere(fmt.Sprintf("log line %q", msg), func(line map[string]any) bool {
		m, _ := line["@message"].(string)
		return strings.Contains(m, msg)
	})
}

// waitLogWhere waits until a log line for which match holds appears.
func (s *server) waitLogWhere(what string, match func(line map[string]any) bool) map[string]any {
	s.t.Helper()
	return s.waitLogFrom(0, what, match)
}

// logMark returns where the log is now, for waitLogFrom.
func (s *server) logMark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines)
}

// waitLogFrom waits until a log line for which match holds appears at or
// after mark, a value logMark returned.
func (s *server) waitLogFrom(mark int, what string, match func(line map[string]any) bool) map[string]any {
	s.t.Helper()
	deadline := time.AfterFunc(30*time.Second, func() {
		s.mu.Lock()
		s.lines = append(s.lines, map[string]any{"@message": "<timeout>"})
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer deadline.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := mark; ; i++ {
		for i >= len(s.lines) {
			s.cond.Wait()
		}
		if match(s.lines[i]) {
			return s.lines[i]
		}
		if m, _ := s.lines[i]["@message"].(string); m == "<eof>" || m == "<timeout>" {
			s.t.Fatalf("%s never appeared; log:\n%s", what, s.logText())
		}
	}
}

func (s *server) logText() string {
	var b strings.Builder
	for _, l := range s.lines {
		js, _ := json.Marshal(l)
		b.Write(js)
		b.WriteByte('\n')
	}
	return b.String()
}

// pluginRunning reports whether the log says the plugin started or was
// restarted after since.
func (s *server) pluginRunning(name string, since time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.lines) - 1; i >= 0; i-- {
		l := s.lines[i]
		m, _ := l["@message"].(string)
		mod, _ := l["@module"].(string)
		if (m != "plugin restarted" && m != "plugin started") || !strings.HasSuffix(mod, ".plugin."+name) {
			continue
		}
		ts, _ := l["@timestamp"].(string)
		at, err := time.Parse(time.RFC3339Nano, ts)
		return err == nil && at.After(since)
	}
	return false
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exit:
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return <-s.exit
	}
}

// kill ends the process if a test left it running; killing one that has
// exited already is harmless.
func (s *server) kill() {
	s.cmd.Process.Kill()
}
