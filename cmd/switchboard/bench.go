package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/switchboard-xmpp/switchboard/core/fdlimit"
	"github.com/switchboard-xmpp/switchboard/loadgen"
)

const benchUsage = `Usage: switchboard bench SCENARIO... [flags]

Drives an XMPP server (Switchboard or any other) and reports what it can do.
Scenarios, run one after another when several are named:

  login      every user logs in (TCP, TLS, SASL, bind, session, roster, presence),
             --concurrency at a time, then out; --rounds times. Logins/s, p50/p99.
  messages   --pairs pairs, each user sends --count messages of --size bytes to
             its peer with at most --window in flight. Delivered/s, end-to-end
             p50/p99, lost and duplicated (both must be 0). --relay drives the
             bare relay (go run ./bench/relay) instead of a server.
  idle       --users sessions held; with --pid, the growth of the server's RSS
             (its process and its plugin processes) per session. Past about
             28 000 sessions one source address runs out of ports: spread
             them with --source-addrs 127.0.0.2,127.0.0.3,…
  presence   each user has --contacts contacts (mutual subscriptions are set up
             by protocol first if the rosters lack them); all log in, then all
             send initial presence: time until every expected presence arrived.
  iq         --concurrency sessions each do --count sequential round trips:
             --iq ping (to the server), roster, or a query of the user's
             message archive (XEP-0313, --page messages a query): mam-peer
             (the last page with the user's messages-scenario peer),
             mam-range (the first page of the last --since, any peer),
             mam-page (page after page with that peer, RSM after).
             Round trips/s, p50/p99.
  rooms      --rooms rooms of --occupants users each (XEP-0045, on --muc-domain),
             new for the run; every occupant sends --count messages of --size
             bytes to its room with at most --window in flight. Deliveries to
             occupants/s (the sender's own copy included), end-to-end p50/p99,
             lost and duplicated (both must be 0). Raise the server's rate
             limit per occupant first (Switchboard: plugins.muc.config.
             messages_per_second), or its refusals fail the run.

A cluster: --addr names one node and --node-addrs the others; the users are
spread evenly over them, and in messages half the pairs have both users on
one node and half one on each of two, with the latency of each half in the
summary. --pid and --node-pids name the nodes' processes for the CPU time.

Accounts are user1..userN (--user-prefix) with password pw1..pwN
(--password-prefix). --create makes them first: --create (=cli) runs
"switchboard user add" with the server's --config; --create=register uses
in-band registration (XEP-0077) on any server that allows it.

Output: one summary line per scenario on stdout (--json: one JSON object per
scenario instead), a progress bar on stderr when it is a terminal. The exit
status is 1 when any scenario had errors, lost or duplicated messages.

Keeping the tool from being the bottleneck: every summary shows the tool's
own CPU time (user+system) over the measured phase and its share of the
elapsed time (100% = one core busy); near 100% of the cores it may use, the
figures measure the tool. With --pid it shows the server's the same way. --workers W sets how many cores the tool's Go scheduler uses
(GOMAXPROCS; the environment variable works too, --workers wins). On a
shared machine pin the server and the tool to different cores, e.g.
  taskset -c 0 switchboard serve --config sb.yaml &
  taskset -c 1 switchboard bench messages --workers 1 --users 100 --tls --addr 127.0.0.1:5223
and see docs/PERFORMANCE.md.

Flags:
`

// benchCmd is a parsed bench command line.
type benchCmd struct {
	scenarios    []string
	cfg          loadgen.Config
	json         bool
	workers      int
	timeout      time.Duration
	create       string
	serverConfig string
}

// parseBench parses a bench command line; --help prints the usage to help
// and returns pflag.ErrHelp.
func parseBench(args []string, help io.Writer) (*benchCmd, error) {
	b := &benchCmd{cfg: loadgen.Default()}
	c := &b.cfg
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.SetOutput(help)
	fs.Usage = func() { fmt.Fprint(help, benchUsage+fs.FlagUsages()) }
	fs.SortFlags = false
	fs.StringVar(&c.Addr, "addr", c.Addr, "server address host:port (STARTTLS port, or the direct TLS port with --tls)")
	fs.StringVar(&c.Domain, "domain", c.Domain, "XMPP domain of the accounts")
	fs.IntVar(&c.Users, "users", c.Users, "accounts taking part (idle: sessions held)")
	fs.StringVar(&c.UserPrefix, "user-prefix", c.UserPrefix, "account N is <prefix>N")
	fs.StringVar(&c.PasswordPrefix, "password-prefix", c.PasswordPrefix, "account N's password is <prefix>N")
	fs.IntVar(&c.FirstUser, "first-user", c.FirstUser, "the accounts taking part are numbered from this one: with --users 500 --first-user 2001, user2001..user2500 (a cold login: accounts nobody used since the server started)")
	fs.BoolVar(&c.DirectTLS, "tls", false, "direct TLS (XEP-0368) instead of STARTTLS; with --relay, TLS to the relay")
	fs.StringVar(&c.Mechanism, "mech", c.Mechanism, "SASL mechanism: SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN")
	fs.StringVar(&c.Resource, "resource", c.Resource, "resource each session binds")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "logins in flight at once; iq: sessions")
	fs.IntVar(&c.Rounds, "rounds", c.Rounds, "login: times every user logs in and out (later rounds reuse client-side SCRAM keys)")
	fs.IntVar(&c.Pairs, "pairs", 0, "messages: pairs of users (default users/2)")
	fs.IntVar(&c.Count, "count", c.Count, "messages, rooms: messages each user sends; iq: round trips per session")
	fs.IntVar(&c.Window, "window", c.Window, "messages, rooms: most messages a sender has in flight")
	fs.IntVar(&c.Size, "size", c.Size, "messages, rooms: body size in bytes")
	fs.DurationVar(&c.Grace, "grace", c.Grace, "messages: wait this long for a missing message before counting it lost")
	fs.IntVar(&c.Contacts, "contacts", c.Contacts, "presence: contacts per user (even)")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "messages: messages per second all senders together aim at, paced evenly (0: as fast as --window allows); latency counts from when each was due")
	fs.StringVar(&c.IQ, "iq", c.IQ, "iq: "+strings.Join(loadgen.IQKinds, ", "))
	fs.IntVar(&c.Page, "page", c.Page, "iq mam-*: messages a query asks for (RSM max)")
	fs.DurationVar(&c.Since, "since", c.Since, "iq mam-range: the range queried is the last this long")
	fs.IntVar(&c.Rooms, "rooms", c.Rooms, "rooms: group chat rooms")
	fs.IntVar(&c.Occupants, "occupants", c.Occupants, "rooms: occupants per room (users 1..rooms×occupants)")
	fs.StringVar(&c.MUCDomain, "muc-domain", "", "rooms: the group chat service (default conference.<domain>)")
	fs.DurationVar(&c.Settle, "settle", c.Settle, "idle: wait after the last login before measuring memory")
	fs.DurationVar(&c.Hold, "hold", 0, "idle: keep the sessions this long after measuring")
	fs.IntVar(&c.PID, "pid", 0, "server process: its CPU time (with its children, the plugins) in every summary; idle: its RSS")
	fs.StringSliceVar(&c.NodeAddrs, "node-addrs", nil, "a cluster's other nodes (host:port, like --addr): users are spread over all; messages: half the pairs have a user on each of two nodes, and the summary gives both halves apart")
	fs.IntSliceVar(&c.NodePIDs, "node-pids", nil, "the other nodes' processes: their CPU time is added to --pid's")
	fs.BoolVar(&c.Relay, "relay", false, "messages: --addr is a bench relay, not an XMPP server")
	fs.StringSliceVar(&c.SourceAddrs, "source-addrs", nil, "local addresses to connect from, in turn (127.0.0.2,127.0.0.3): one address has about 28 000 ports to a server (default: the system's choice)")
	fs.StringVar(&b.create, "create", "", `create the accounts first: cli ("switchboard user add", needs --config) or register (XEP-0077)`)
	fs.Lookup("create").NoOptDefVal = "cli"
	fs.StringVar(&b.serverConfig, "config", "", "the server's configuration file, for --create=cli")
	fs.BoolVar(&b.json, "json", false, "print one JSON object per scenario instead of a summary line")
	fs.IntVar(&b.workers, "workers", 0, "cores the tool's Go scheduler uses (GOMAXPROCS; default: all it may run on)")
	fs.DurationVar(&b.timeout, "timeout", 10*time.Minute, "give up on the whole run after this long")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	b.scenarios = fs.Args()
	if len(b.scenarios) == 0 {
		return nil, fmt.Errorf("bench: name a scenario (%v); see switchboard bench --help", loadgen.Scenarios)
	}
	for _, sc := range b.scenarios {
		if err := c.Validate(sc); err != nil {
			return nil, fmt.Errorf("bench %s: %w", sc, err)
		}
	}
	if b.workers < 0 || b.timeout <= 0 {
		return nil, errors.New("bench: --workers must not be negative and --timeout must be positive")
	}
	if b.create == "cli" && b.serverConfig == "" {
		return nil, errors.New("bench: --create=cli needs the server's --config file")
	}
	return b, nil
}

func bench(ctx context.Context, env cliEnv, args []string) error {
	b, err := parseBench(args, env.stdout)
	if errors.Is(err, pflag.ErrHelp) {
		return helped{}
	}
	if err != nil {
		return badUsage("bench", "%v", err)
	}
	if b.workers > 0 {
		runtime.GOMAXPROCS(b.workers)
	}
	// Every session is a descriptor here as on the server.
	if lim, err := fdlimit.Current(); err == nil && lim.Soft < uint64(b.cfg.Users)+64 {
		fmt.Fprintf(env.stderr, "bench: note: the open-file limit is %d and the run may hold %d connections; raise it (ulimit -n, or prlimit as root; docs/OPERATIONS.md)\n", lim.Soft, b.cfg.Users)
	}
	if isTerminal(env.stderr) {
		b.cfg.Progress = env.stderr
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	r := loadgen.NewRunner(b.cfg)
	if b.create != "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench: finding the switchboard executable: %w", err)
		}
		n, err := r.Create(ctx, loadgen.Creation{Mode: b.create, Executable: exe, ServerConfig: b.serverConfig})
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		fmt.Fprintf(env.stderr, "bench: created %d accounts\n", n)
	}
	failed := 0
	for _, sc := range b.scenarios {
		res, err := r.Run(ctx, sc)
		if err != nil {
			return fmt.Errorf("bench %s: %w", sc, err)
		}
		if err := report(env, b, res); err != nil {
			return err
		}
		if !res.Pass {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("bench: %d of %d scenarios failed", failed, len(b.scenarios))
	}
	return nil
}

// report prints a result: JSON or the summary line on stdout, and the
// reasons and warnings a person should read on stderr.
func report(env cliEnv, b *benchCmd, res *loadgen.Result) error {
	if b.json {
		if err := json.NewEncoder(env.stdout).Encode(res); err != nil {
			return fmt.Errorf("bench: writing JSON: %w", err)
		}
	} else {
		fmt.Fprintln(env.stdout, res.Summary())
	}
	for _, e := range res.ErrorReasons {
		fmt.Fprintf(env.stderr, "bench %s: error: %s\n", res.Scenario, e)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(env.stderr, "bench %s: note: %s\n", res.Scenario, w)
	}
	if procs := runtime.GOMAXPROCS(0); res.Elapsed > 0 && res.ToolCPU > 0.9*res.Elapsed*float64(procs) {
		fmt.Fprintf(env.stderr, "bench %s: note: the tool used %.0f%% of its %d core(s); it may be the bottleneck (see --help on --workers and taskset)\n",
			res.Scenario, 100*res.ToolCPU/res.Elapsed, procs)
	}
	return nil
}

// isTerminal reports whether w is a terminal, where a progress bar helps
// rather than litters a log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
