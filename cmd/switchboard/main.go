// Command switchboard is the Switchboard XMPP server: one binary that
// serves, administers accounts, checks configuration, and (re-executed by
// itself) runs the built-in plugins.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `switchboard — an XMPP server

Usage:
  switchboard serve [--config FILE] [flags]      run the server
  switchboard user add JID --password PW|-       create an account ("-" reads the password from stdin)
  switchboard user passwd JID --password PW|-    change a password
  switchboard user del JID                       delete an account and its data
  switchboard user unlock JID                    forget an account's failed logins (a running server too)
  switchboard user list [--domain D]             list accounts
  switchboard config check --config FILE         validate a configuration file
  switchboard storage copy --from URL --to URL    copy every account and all data between stores (sqlite:PATH, postgres://…)
  switchboard backup --to FILE                   copy the SQLite database, consistent while the server runs
  switchboard plugin list [--config FILE]        show each configured plugin: source, state, routes, features
  switchboard plugin NAME                        run a built-in plugin (the server does this itself)
  switchboard bench SCENARIO... [flags]          load-test an XMPP server (see switchboard bench --help)
  switchboard help                               this text

Every command takes --config FILE; see docs/config.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	env := cliEnv{stdin: stdin, stdout: stdout, stderr: stderr, environ: os.Environ()}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, env, args[1:])
	case "user":
		err = user(ctx, env, args[1:])
	case "config":
		err = configCmd(ctx, env, args[1:])
	case "storage":
		err = storageCmd(ctx, env, args[1:])
	case "backup":
		err = backupCmd(ctx, env, args[1:])
	case "plugin":
		err = pluginCmd(ctx, env, args[1:])
	case "bench":
		err = bench(ctx, env, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "switchboard: %v\n", err)
		return 1
	}
	return 0
}

// cliEnv is the process environment a command runs in, passed explicitly
// so that commands can be tested in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
}
