package debian

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLockExcludes: while one install holds the lock, another process's
// attempt to take it fails, and succeeds once it is released.
func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apt.lock")
	unlock, err := lock(path)
	if err != nil {
		t.Fatal(err)
	}
	// A second open file description behaves as another process would.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		t.Fatal("a second install took the lock while the first held it")
	}
	unlock()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
}
