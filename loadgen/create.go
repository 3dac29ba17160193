package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// Creation says how Create makes the accounts.
type Creation struct {
	// Mode is "cli" (run `switchboard user add` against the server's
	// configuration, exactly as an operator would) or "register" (XEP-0077
	// in-band registration, on any server that allows it).
	Mode string
	// Executable is the switchboard binary, for cli.
	Executable string
	// ServerConfig is the server's configuration file, for cli.
	ServerConfig string
}

// Create makes sure user1..userN exist, skipping those that do, and says
// how many it created.
func (r *Runner) Create(ctx context.Context, how Creation) (created int, err error) {
	s := &run{Runner: r, m: newMeter(r.cfg.Progress)}
	defer s.m.stop()
	var n atomic.Int64
	switch how.Mode {
	case "cli":
		err = s.createCLI(ctx, how, &n)
	case "register":
		s.forEach(ctx, "register", len(r.accounts), r.cfg.Concurrency, func(_, i int) error {
			err := client.Register(ctx, r.optsOf(i+1), r.accounts[i])
			switch {
			case errors.Is(err, client.ErrExists):
				return nil
			case err != nil:
				return fmt.Errorf("registering %s: %w", r.accounts[i].User, err)
			}
			n.Add(1)
			return nil
		})
	default:
		return 0, fmt.Errorf("--create %q: expected cli or register", how.Mode)
	}
	if err == nil && s.errs.count() > 0 {
		err = fmt.Errorf("creating accounts: %d failed: %s", s.errs.count(), strings.Join(s.errs.list(), "; "))
	}
	return int(n.Load()), err
}

// createCLI lists the accounts once, then adds the missing ones, one
// process each, as many at a time as there are processors: each run of
// `user add` derives SCRAM keys, which is CPU work.
func (s *run) createCLI(ctx context.Context, how Creation, n *atomic.Int64) error {
	if how.Executable == "" || how.ServerConfig == "" {
		return errors.New("--create=cli needs the server's --config file")
	}
	out, err := exec.CommandContext(ctx, how.Executable, "user", "list", "--config", how.ServerConfig).Output()
	if err != nil {
		return fmt.Errorf("listing accounts with %s user list: %w%s", how.Executable, err, stderrOf(err))
	}
	exists := make(map[string]bool)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		exists[strings.TrimSpace(sc.Text())] = true
	}
	var missing []*client.Account
	for _, a := range s.accounts {
		if !exists[a.User+"@"+s.cfg.Domain] {
			missing = append(missing, a)
		}
	}
	s.forEach(ctx, "create", len(missing), runtime.GOMAXPROCS(0), func(_, i int) error {
		a := missing[i]
		// The password goes through stdin, as an operator scripting this
		// would do, to keep it out of the process list.
		cmd := exec.CommandContext(ctx, how.Executable, "user", "add", a.User+"@"+s.cfg.Domain,
			"--password", "-", "--config", how.ServerConfig)
		cmd.Stdin = strings.NewReader(a.Password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("user add %s: %w: %s", a.User, err, strings.TrimSpace(string(out)))
		}
		n.Add(1)
		return nil
	})
	return nil
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}
