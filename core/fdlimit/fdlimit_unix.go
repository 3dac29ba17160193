//go:build linux || darwin

package fdlimit

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// Current reads the limit in force.
func Current() (Limit, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return Limit{}, fmt.Errorf("reading the open-file limit: %w", err)
	}
	return Limit{Soft: r.Cur, Hard: r.Max}, nil
}

// Raise sets the soft limit to want, or to the hard limit when want is 0.
// A want above the hard limit raises the hard limit too, which takes
// privilege (root or CAP_SYS_RESOURCE); without it the soft limit goes as
// high as the hard one allows. A want below the limit in force lowers it.
// Raise returns the limit in force afterwards, and an error when that is
// not want; the limit is still valid then.
//
// Setting the limit explicitly also makes child processes (plugins)
// inherit it: Go otherwise hands them the limit the process started with.
func Raise(want uint64) (Limit, error) {
	cur, err := Current()
	if err != nil {
		return Limit{}, err
	}
	next := syscall.Rlimit{Cur: cur.Hard, Max: cur.Hard}
	if want > 0 {
		next.Cur = want
		next.Max = max(want, cur.Hard)
	}
	setErr := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next)
	if setErr != nil && next.Max > cur.Hard {
		// Not allowed to raise the hard limit: take what it allows.
		next = syscall.Rlimit{Cur: cur.Hard, Max: cur.Hard}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err != nil {
			return cur, fmt.Errorf("setting the open-file limit to %d: %w", cur.Hard, err)
		}
		got, err := Current()
		if err != nil {
			return cur, err
		}
		return got, fmt.Errorf("raising the hard open-file limit from %d to %d: %w", cur.Hard, want, setErr)
	}
	if setErr != nil {
		return cur, fmt.Errorf("setting the open-file limit to %d: %w", next.Cur, setErr)
	}
	return Current()
}

// InUse counts the descriptors the process holds now. It lists a
// directory entry per descriptor: cheap once at start, not per connection.
func InUse() (int, error) {
	dir := "/proc/self/fd"
	if runtime.GOOS == "darwin" {
		dir = "/dev/fd"
	}
	f, err := os.Open(dir)
	if err != nil {
		return 0, fmt.Errorf("counting open files: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return 0, fmt.Errorf("counting open files: %w", err)
	}
	return len(names) - 1, nil // without the directory itself
}
