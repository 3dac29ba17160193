package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"
)

// helped is the error of a command that printed its help instead of
// running: the command line asked for it, so the exit status is 0.
type helped struct{}

func (helped) Error() string { return "help printed" }

// wasHelp reports whether err says a command printed its help.
func wasHelp(err error) bool { return errors.As(err, new(helped)) }

// isHelp tells the words that ask for help in place of a subcommand.
func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "help" }

// helps is each command's help, printed above its flags. The keys are the
// names loadConfig is given.
var helps = map[string]string{
	"serve": `Usage: switchboard serve [--config FILE] [flags]

Runs the server until interrupted (SIGINT, SIGTERM). SIGHUP reloads the
configuration. With no --config and no SWITCHBOARD_CONFIG, the embedded
defaults serve localhost with a self-signed certificate under ./data.
`,
	"user": `Usage: switchboard user COMMAND JID [flags]

Commands:
  add JID --password PW|-      create an account ("-" reads the password from stdin)
  passwd JID --password PW|-   change a password
  del JID                      delete an account and everything it owns
  unlock JID                   forget an account's failed logins (a running server too)
  list [--domain D]            list accounts

A JID without @ is an account of the configured domain. See switchboard help user COMMAND.
`,
	"user add":    "Usage: switchboard user add JID --password PW|- [flags]\n\nCreates an account.\n",
	"user passwd": "Usage: switchboard user passwd JID --password PW|- [flags]\n\nChanges an account's password.\n",
	"user del":    "Usage: switchboard user del JID [flags]\n\nDeletes an account and the data every plugin keeps for it.\n",
	"user unlock": "Usage: switchboard user unlock JID [flags]\n\nForgets an account's failed logins; a running server reads this at the account's next login.\n",
	"user list":   "Usage: switchboard user list [flags]\n\nLists the accounts of the configured domain (or --domain).\n",
	"config": `Usage: switchboard config check [--config FILE] [flags]

Validates a configuration as serve would, and tries the database when it
is PostgreSQL.
`,
	"config check": "Usage: switchboard config check [--config FILE] [flags]\n\nValidates a configuration as serve would, and tries the database when it is PostgreSQL.\n",
	"plugin": `Usage: switchboard plugin list [--config FILE] [flags]
       switchboard plugin NAME

list starts each configured plugin long enough to read its manifest and
shows its source, state, routes and features. NAME runs a built-in plugin,
as the server does itself; it is not for people.
`,
	"plugin list": "Usage: switchboard plugin list [--config FILE] [flags]\n\nShows each configured plugin: source, state, routes, features.\n",
	"status": `Usage: switchboard status [--config FILE] [--json]

Asks a running server, through its admin API (listen.admin, with
admin.token from the same configuration), for its version, uptime, and
how many sessions, connections, accounts and plugins it has.
`,
	"sessions": `Usage: switchboard sessions [--config FILE] [--kick JID] [--json]

Lists a running server's client sessions (full JID, address, since when,
encrypted or not) through its admin API (listen.admin, with admin.token
from the same configuration). --kick ends the session of a full JID, or
every session of a bare JID, with a policy-violation stream error.
`,
	"broadcast": `Usage: switchboard broadcast [--config FILE] MESSAGE

Sends MESSAGE from the server's domain, as a headline message, to every
online session of a running server, through its admin API (listen.admin,
with admin.token from the same configuration).
`,
	"storage": `Usage: switchboard storage copy --from URL --to URL
       switchboard storage migrate [--config FILE] [flags]

Copies every account (with its SCRAM keys), every plugin's data and the
archive from one store to another, SQLite (sqlite:PATH) or PostgreSQL
(postgres://…; postgres:// alone uses the PG* variables), showing progress
and checking the counts at the end. Safe to run again.

migrate applies the schema migrations of this build to the configured
store and exits (serve applies them at start too); a schema newer than
the build knows is refused.
`,
	"storage migrate": "Usage: switchboard storage migrate [--config FILE] [flags]\n\nApplies this build's schema migrations to the configured store.\n",
	"storage copy":    "Usage: switchboard storage copy --from URL --to URL\n\nCopies everything from one store to another (sqlite:PATH or postgres://…).\n",
	"backup":          "Usage: switchboard backup --to FILE [flags]\n\nWrites a consistent copy of the SQLite database to FILE, also while the server runs. For PostgreSQL, use pg_dump (docs/OPERATIONS.md).\n",
	"export": `Usage: switchboard export --to FILE [--config FILE] [flags]

Writes every account of the configured domain, with its SCRAM keys (no
password is reset), roster, pending subscription requests, vCard,
private XML and offline messages, as one XEP-0227 file that Prosody and
ejabberd import. Safe while the server runs.
`,
	"import": `Usage: switchboard import [--dry-run] [--replace] [--config FILE] FILE|DIR...

Reads XEP-0227 files: one written by switchboard export, by Prosody's
prosody-migrator (a directory of user@host.xml files) or by ejabberd
(ejabberdctl export_piefxis). Accounts keep their SCRAM keys; an account
that exists is left as it is unless --replace. Everything is checked
before anything is written. Stop the server first: its plugins keep
caches. See docs/OPERATIONS.md, "Moving from Prosody or ejabberd".
`,
	"version": "Usage: switchboard version\n\nPrints the version, the commit it was built from, and the Go version.\n",
}

// printHelp writes name's help and, when fs is not nil, its flags.
func printHelp(w io.Writer, name string, fs *pflag.FlagSet) {
	fmt.Fprint(w, helps[name])
	if fs != nil && fs.HasFlags() {
		fmt.Fprintf(w, "\nFlags:\n%s", fs.FlagUsages())
	}
}

// helpCmd answers "switchboard help [COMMAND...]": each command prints
// its own help when asked with --help.
func helpCmd(env cliEnv, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.stdout, usage)
		return 0
	}
	if _, ok := commands()[args[0]]; !ok {
		fmt.Fprintf(env.stderr, "switchboard help: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return -1 // the caller runs args with --help
}

// versionText says what was built: the module's version (a pseudo-version
// for an untagged commit), the commit, and the toolchain.
func versionText() string {
	version, commit, modified := "(devel)", "unknown", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "switchboard %s\ncommit %s", version, commit)
	if modified {
		b.WriteString(" (with uncommitted changes)")
	}
	fmt.Fprintf(&b, "\n%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return b.String()
}
