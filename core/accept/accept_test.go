package accept

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// failing is a listener whose Accept fails with errs, one a call, then
// hands out conns; once both run out it behaves as closed.
type failing struct {
	errs  []error
	conns []net.Conn
}

func (f *failing) Accept() (net.Conn, error) {
	switch {
	case len(f.errs) > 0:
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	case len(f.conns) > 0:
		c := f.conns[0]
		f.conns = f.conns[1:]
		return c, nil
	}
	return nil, &net.OpError{Op: "accept", Net: "tcp", Err: net.ErrClosed}
}
func (f *failing) Close() error   { return nil }
func (f *failing) Addr() net.Addr { return &net.TCPAddr{} }

func acceptErr(errno syscall.Errno) error {
	return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
}

// logBuffer is a WARN-level logger whose lines a test can read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.buf.String()), "\n")
}

func newLog() (*logBuffer, hclog.Logger) {
	b := &logBuffer{}
	return b, hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: b})
}

func TestAcceptFailuresPauseAndRetry(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	var errs []error
	for range 12 {
		errs = append(errs, acceptErr(syscall.EMFILE))
	}
	errs = append(errs, acceptErr(syscall.ENOBUFS), acceptErr(syscall.ECONNABORTED))
	logs, log := newLog()
	l := Wrap(&failing{errs: errs, conns: []net.Conn{server}}, nil, log)
	var pauses []time.Duration
	l.pause = func(d time.Duration) { pauses = append(pauses, d) }

	c, err := l.Accept()
	if err != nil || c != server {
		t.Fatalf("Accept = %v, %v; want the connection after the failures", c, err)
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000, 1000, 1000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if !slices.Equal(pauses, want) {
		t.Errorf("pauses %v, want %v", pauses, want)
	}
	// The first failure is reported at once, the rest when the period
	// ends, which Close brings forward.
	if got := logs.lines(); len(got) != 1 || !strings.Contains(got[0], "failures=1") || !strings.Contains(got[0], "too many open files") || !strings.Contains(got[0], "hint=") {
		t.Fatalf("log after the failures:\n%s", strings.Join(got, "\n"))
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on a closed listener = %v, want net.ErrClosed", err)
	}
	l.Close()
	got := logs.lines()
	if len(got) != 2 || !strings.Contains(got[1], "failures=13") || !strings.Contains(got[1], "connection abort") {
		t.Fatalf("log after Close:\n%s", strings.Join(got, "\n"))
	}
}

func TestCloseEndsAPause(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, log := newLog()
	l := Wrap(ln, nil, log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.sleep(time.Hour)
	}()
	l.Close()
	<-done
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v", err)
	}
}

func TestGateRefusesAtTheCapAndAdmitsAgain(t *testing.T) {
	logs, log := newLog()
	gate := NewGate(2, log)
	var ls []*Listener
	for range 2 { // two listeners share the cap
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l := Wrap(ln, gate, log)
		defer l.Close()
		ls = append(ls, l)
	}
	accepted := make(chan net.Conn, 10)
	for _, l := range ls {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				accepted <- c
			}
		}()
	}
	dial := func(l *Listener) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	first := dial(ls[0])
	held := <-accepted
	dial(ls[1])
	<-accepted
	if gate.Open() != 2 {
		t.Fatalf("open = %d, want 2", gate.Open())
	}
	for _, l := range ls {
		refused := dial(l)
		refused.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := refused.Read(make([]byte, 1)); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("a connection past the cap read %v, want it closed", err)
		}
	}
	// Closing one, twice, frees one place.
	held.Close()
	held.Close()
	first.Close()
	if gate.Open() != 1 {
		t.Fatalf("open = %d after a close, want 1", gate.Open())
	}
	dial(ls[1])
	<-accepted
	if gate.Open() != 2 {
		t.Fatalf("open = %d, want 2", gate.Open())
	}
	// One refusal was reported at once, the other is still counted: one
	// report for both listeners.
	got := logs.lines()
	if len(got) != 1 || !strings.Contains(got[0], "refused=1") || !strings.Contains(got[0], "limit=2") {
		t.Fatalf("log:\n%s", strings.Join(got, "\n"))
	}
	for _, l := range ls {
		l.Close()
	}
	gate.Close()
	got = logs.lines()
	if len(got) != 2 || !strings.Contains(got[1], "refused=1") {
		t.Fatalf("log after Close:\n%s", strings.Join(got, "\n"))
	}
}
