package pgtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a throwaway PostgreSQL cluster of one test's own, which the
// test may stop and start (to see what a server does while its database
// is gone) without disturbing any other test's database.
type Cluster struct {
	env   []string // the PG* variables for it, and pg_ctlcluster's
	stdin io.WriteCloser
	cmd   *exec.Cmd
}

// NewCluster makes a cluster with pg_virtualenv, which stays up until
// the test ends (pg_virtualenv drops it then). pg_virtualenv is installed
// first, as for Main, when it is missing and the test runs as root.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	virtualenv, err := exec.LookPath("pg_virtualenv")
	if err != nil && os.Geteuid() == 0 {
		install()
		virtualenv, err = exec.LookPath("pg_virtualenv")
	}
	if err != nil {
		t.Fatalf("no pg_virtualenv to make a PostgreSQL cluster: %v; %s", err, setupHelp)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	// The shell prints the cluster's environment and holds pg_virtualenv
	// open until its stdin closes; pg_virtualenv then drops the cluster.
	cmd := exec.Command(virtualenv, "-t", "--", "sh", "-c", "env; echo END; cat >/dev/null")
	cmd.Env = append(os.Environ(), "PGPORT="+strconv.Itoa(port))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stopWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting pg_virtualenv: %v", err)
	}
	c := &Cluster{stdin: stdin, cmd: cmd}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("pg_virtualenv dropping the test's cluster: %v\n%s", err, stderr.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != "END" {
		if k, _, ok := strings.Cut(sc.Text(), "="); ok && (strings.HasPrefix(k, "PG")) {
			c.env = append(c.env, sc.Text())
		}
	}
	go io.Copy(io.Discard, stdout)
	if c.value("PGHOST") == "" || c.value("PG_CLUSTER_CONF_ROOT") == "" || c.value("PGVERSION") == "" {
		t.Fatalf("pg_virtualenv made no cluster; it said:\n%s", stderr.String())
	}
	return c
}

// Env returns the PG* variables that name the cluster, for a process that
// connects to it.
func (c *Cluster) Env() []string {
	return c.env
}

func (c *Cluster) value(name string) string {
	for _, e := range c.env {
		if k, v, _ := strings.Cut(e, "="); k == name {
			return v
		}
	}
	return ""
}

// Stop shuts the cluster down as an operator's restart does (fast mode:
// open transactions are rolled back and connections closed).
func (c *Cluster) Stop(ctx context.Context) error {
	return c.ctl(ctx, "stop", "--mode", "fast")
}

// Start starts the stopped cluster again, on the same port.
func (c *Cluster) Start(ctx context.Context) error {
	return c.ctl(ctx, "start")
}

func (c *Cluster) ctl(ctx context.Context, action string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pg_ctlcluster", append([]string{c.value("PGVERSION"), "regress", action}, args...)...)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctlcluster %s: %w\n%s", action, err, out)
	}
	return nil
}
