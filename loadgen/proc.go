package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// treeRSS returns the resident memory in KiB of process pid and all its
// descendants (the server and its plugin processes) from /proc, and how
// many processes that was.
func treeRSS(proc string, pid int) (kib int64, procs int, err error) {
	pids, err := descendants(proc, pid)
	if err != nil {
		return 0, 0, err
	}
	for _, p := range pids {
		v, err := vmRSS(filepath.Join(proc, strconv.Itoa(p), "status"))
		if err != nil {
			if p == pid {
				return 0, 0, err
			}
			continue // a child that exited meanwhile
		}
		kib += v
		procs++
	}
	return kib, procs, nil
}

// descendants lists pid and every process below it, by reading each
// process's parent from /proc/*/stat (the children files need a kernel
// option, this works everywhere /proc does).
func descendants(proc string, pid int) ([]int, error) {
	if _, err := os.Stat(filepath.Join(proc, strconv.Itoa(pid))); err != nil {
		return nil, fmt.Errorf("reading process %d: %w", pid, err)
	}
	entries, err := os.ReadDir(proc)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	children := make(map[int][]int)
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(filepath.Join(proc, e.Name(), "stat")); ok {
			children[ppid] = append(children[ppid], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}

// statFields returns the fields of /proc/PID/stat that follow the command
// name in parentheses (a name that may itself hold spaces and
// parentheses, hence the last ')'): fields[0] is the state, field 3 of
// proc(5).
func statFields(statPath string) []string {
	b, err := os.ReadFile(statPath)
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// parentOf reads the ppid, field 4 of /proc/PID/stat.
func parentOf(statPath string) (int, bool) {
	fields := statFields(statPath)
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return ppid, err == nil
}

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on
// every Linux architecture Go runs on.
const userHZ = 100

// treeCPU returns the CPU time (user + system, fields 14 and 15 of
// /proc/PID/stat) used so far by process pid and its descendants, so that
// a report can show how busy the server was, plugins included.
func treeCPU(proc string, pid int) (time.Duration, error) {
	pids, err := descendants(proc, pid)
	if err != nil {
		return 0, err
	}
	var ticks int64
	for _, p := range pids {
		fields := statFields(filepath.Join(proc, strconv.Itoa(p), "stat"))
		if len(fields) < 13 {
			continue // exited meanwhile
		}
		utime, err1 := strconv.ParseInt(fields[11], 10, 64)
		stime, err2 := strconv.ParseInt(fields[12], 10, 64)
		if err1 == nil && err2 == nil {
			ticks += utime + stime
		}
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// vmRSS reads "VmRSS:   1234 kB" from a status file.
func vmRSS(statusPath string) (int64, error) {
	f, err := os.Open(statusPath)
	if err != nil {
		return 0, fmt.Errorf("reading memory use: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing VmRSS in %s: %w", statusPath, err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("no VmRSS in %s (a kernel thread or a zombie?)", statusPath)
}
