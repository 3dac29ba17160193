package loadgen

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// fakeProc writes a /proc with the given processes: pid → ppid, RSS.
func fakeProc(t *testing.T, procs map[int][2]int64) string {
	t.Helper()
	root := t.TempDir()
	for pid, p := range procs {
		dir := filepath.Join(root, itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// The command name holds a space and a parenthesis, as they may.
		// utime and stime (fields 14, 15) are the RSS in ticks here, to
		// keep the table short.
		stat := itoa(pid) + " (sw (x) y) S " + itoa(int(p[0])) + " 1 1 0 -1 4194560 100 0 0 0 " + itoa(int(p[1])) + " 1 0 0 20 0 4\n"
		status := "Name:\tsw\nVmPeak:\t  999 kB\nVmRSS:\t  " + itoa(int(p[1])) + " kB\nThreads:\t4\n"
		write(t, filepath.Join(dir, "stat"), stat)
		write(t, filepath.Join(dir, "status"), status)
	}
	if err := os.MkdirAll(filepath.Join(root, "self"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTreeRSS(t *testing.T) {
	proc := fakeProc(t, map[int][2]int64{
		1:   {0, 500},
		100: {1, 30000}, // the server
		101: {100, 20000},
		102: {100, 21000},
		103: {102, 1000}, // a grandchild
		200: {1, 77777},  // unrelated
	})
	kib, procs, err := treeRSS(proc, 100)
	if err != nil {
		t.Fatal(err)
	}
	if kib != 72000 || procs != 4 {
		t.Errorf("treeRSS = %d KiB in %d processes, want 72000 in 4", kib, procs)
	}
	if _, _, err := treeRSS(proc, 999); err == nil {
		t.Error("treeRSS of a missing process succeeded")
	}
	cpu, err := treeCPU(proc, 100)
	if want := (72000 + 4) * time.Second / userHZ; err != nil || cpu != want {
		t.Errorf("treeCPU = %v, %v; want %v", cpu, err, want)
	}
}

func TestTreeRSSOfThisProcess(t *testing.T) {
	kib, procs, err := treeRSS(procRoot, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if kib <= 0 || procs < 1 {
		t.Errorf("treeRSS(self) = %d KiB in %d processes", kib, procs)
	}
}
