// Package debian installs the Debian packages a test needs. go test runs
// the test binaries of several packages side by side, and each may find
// its prerequisite missing on a fresh machine at the same moment; apt-get
// refuses to run twice at once, so installs here take a lock of their own
// and wait for apt's.
package debian

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Command is what a developer runs as root to install pkgs by hand.
func Command(pkgs ...string) string {
	return "apt-get update && apt-get install -y " + strings.Join(pkgs, " ")
}

// Install runs apt-get update and apt-get install for pkgs (without
// recommended packages when noRecommends is set), one install at a time
// across processes. It must run as root; the returned error carries
// apt-get's output.
func Install(ctx context.Context, noRecommends bool, pkgs ...string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("installing %s needs root; as root: %s", strings.Join(pkgs, " "), Command(pkgs...))
	}
	unlock, err := lock(filepath.Join(os.TempDir(), "switchboard-tests-apt.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	// apt's own lock is held by anything else installing on the machine
	// (unattended upgrades, a developer's apt-get): wait for it rather
	// than fail.
	wait := []string{"-o", "DPkg::Lock::Timeout=600", "-qq"}
	update := exec.CommandContext(ctx, "apt-get", append(wait, "update")...)
	if out, err := update.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get update: %w\n%s", err, out)
	}
	args := append(wait, "install", "-y")
	if noRecommends {
		args = append(args, "--no-install-recommends")
	}
	install := exec.CommandContext(ctx, "apt-get", append(args, pkgs...)...)
	install.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := install.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get install %s: %w\n%s", strings.Join(pkgs, " "), err, out)
	}
	return nil
}

// lock takes an exclusive flock on path, waiting for it.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the install lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("taking the install lock: %w", err)
	}
	return func() { f.Close() }, nil
}
