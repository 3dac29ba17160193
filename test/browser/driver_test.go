package browser

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// driver is drive.mjs running in node, with Chromium under it.
type driver struct {
	done chan struct{} // closed when node has exited
	err  error         // node's exit, valid after done
	mu   sync.Mutex
	out  bytes.Buffer
}

func (d *driver) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.Write(p)
}

// output is what the script printed so far.
func (d *driver) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// startDriver runs drive.mjs with env. Past timeout node gets SIGTERM, on
// which playwright closes the browser it launched, then SIGKILL; the test's
// cleanup does the same if the test ends first.
func startDriver(t *testing.T, node string, timeout time.Duration, env ...string) *driver {
	t.Helper()
	return startScript(t, node, "drive.mjs", timeout, env...)
}

// startScript is startDriver with another script of this directory.
func startScript(t *testing.T, node, script string, timeout time.Duration, env ...string) *driver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	d := &driver{done: make(chan struct{})}
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = d, d
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting node %s: %v", script, err)
	}
	go func() {
		d.err = cmd.Wait()
		cancel()
		close(d.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-d.done
	})
	return d
}
