// Command switchboard is the Switchboard XMPP server: one binary that
// serves, administers accounts, checks configuration, and (re-executed by
// itself) runs the built-in plugins.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
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
  switchboard storage migrate [--config FILE]    apply this build's schema migrations and exit
  switchboard backup --to FILE                   copy the SQLite database, consistent while the server runs
  switchboard export --to FILE                   write accounts and their data as an XEP-0227 file
  switchboard import [--dry-run] FILE|DIR...     read XEP-0227 files (from Prosody, ejabberd, an export)
  switchboard plugin list [--config FILE]        show each configured plugin: source, state, routes, features
  switchboard plugin NAME                        run a built-in plugin (the server does this itself)
  switchboard status [--json]                     a running server's version, uptime and counts (its admin API)
  switchboard sessions [--kick JID] [--json]      list a running server's sessions, or end one
  switchboard broadcast MESSAGE                   send MESSAGE to everyone online
  switchboard bench SCENARIO... [flags]          load-test an XMPP server (see switchboard bench --help)
  switchboard version                            version, commit and Go version (also --version)
  switchboard help [COMMAND]                     this text, or a command's help (also COMMAND --help)

Every command takes --config FILE; see docs/config.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// commands are switchboard's commands by name.
func commands() map[string]func(context.Context, cliEnv, []string) error {
	return map[string]func(context.Context, cliEnv, []string) error{
		"serve":     serve,
		"user":      user,
		"config":    configCmd,
		"plugin":    pluginCmd,
		"bench":     bench,
		"version":   version,
		"status":    statusCmd,
		"sessions":  sessionsCmd,
		"broadcast": broadcastCmd,
		"storage":   storageCmd,
		"backup":    backupCmd,
		"export":    exportCmd,
		"import":    importCmd,
	}
}

// run dispatches a command line and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	env := cliEnv{stdin: stdin, stdout: stdout, stderr: stderr, environ: os.Environ()}
	switch args[0] {
	case "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "--version":
		args = []string{"version"}
	case "help":
		if code := helpCmd(env, args[1:]); code >= 0 {
			return code
		}
		args = append(slices.Clone(args[1:]), "--help")
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, env, args[1:])
	switch {
	case err == nil, wasHelp(err):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "switchboard: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "switchboard: %v\n", err)
		return 1
	}
}

// usageError is a command line the command does not understand; the exit
// status says so (2, as for an unknown command).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// badUsage returns a usageError that points to the command's help.
func badUsage(name, format string, a ...any) error {
	return usageError{fmt.Errorf("%s: %s (see switchboard help %s)", name, fmt.Sprintf(format, a...), name)}
}

// version prints what was built.
func version(_ context.Context, env cliEnv, args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		printHelp(env.stdout, "version", nil)
		return helped{}
	}
	if len(args) > 0 {
		return badUsage("version", "takes no arguments")
	}
	fmt.Fprint(env.stdout, versionText())
	return nil
}

// cliEnv is the process environment a command runs in, passed explicitly
// so that commands can be tested in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
}
