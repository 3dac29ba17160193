package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLogFileReopens: with log.file the log goes to the file as well as
// standard error, and after logrotate moves the file away, SIGUSR1 (or
// SIGHUP) makes the server write to a new file at the path.
func TestLogFileReopens(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.log")
	srv := startServer(t, dir, []string{"SWITCHBOARD_LOG_FILE=" + path})
	srv.waitLog("server started")
	if got := readFile(t, path); !strings.Contains(got, "server started") {
		t.Fatalf("the log file lacks the start:\n%s", got)
	}
	for i, sig := range []struct {
		s    syscall.Signal
		name string
	}{{syscall.SIGUSR1, "SIGUSR1"}, {syscall.SIGHUP, "SIGHUP"}} {
		rotated := path + "." + string(rune('1'+i))
		if err := os.Rename(path, rotated); err != nil {
			t.Fatal(err)
		}
		mark := srv.logMark()
		if err := srv.cmd.Process.Signal(sig.s); err != nil {
			t.Fatal(err)
		}
		srv.waitLogFrom(mark, "the log file reopened", func(line map[string]any) bool {
			return line["@message"] == "log file reopened"
		})
		if got := readFile(t, path); !strings.Contains(got, `"signal":"`+sig.name+`"`) {
			t.Errorf("after %s the new file holds:\n%s", sig.name, got)
		}
		if got := readFile(t, rotated); strings.Contains(got, `"signal":"`+sig.name+`"`) {
			t.Errorf("after %s the moved file was still written to:\n%s", sig.name, got)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
