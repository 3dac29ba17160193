package loadgen

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen/client"
)

// Scenarios lists the scenario names Run accepts, in the order `switchboard
// bench` documents them.
var Scenarios = []string{"login", "messages", "idle", "presence", "iq", "rooms"}

// IQKinds are the requests the iq scenario can make (--iq).
var IQKinds = []string{"ping", "roster", "mam-peer", "mam-range", "mam-page"}

// Config is one benchmark run. The field comments are the user
// documentation of the matching `switchboard bench` flags.
type Config struct {
	Addr           string        // --addr: host:port of the server (or of the relay with --relay)
	Domain         string        // --domain: the XMPP domain of the accounts
	Users          int           // --users: accounts user1..userN taking part (idle: sessions held)
	UserPrefix     string        // --user-prefix: account N is <prefix>N
	PasswordPrefix string        // --password-prefix: account N's password is <prefix>N
	FirstUser      int           // --first-user: the accounts taking part are numbered from it (default 1)
	DirectTLS      bool          // --tls: direct TLS (XEP-0368) instead of STARTTLS
	Mechanism      string        // --mech: SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN
	Resource       string        // --resource: the resource every session binds
	Concurrency    int           // --concurrency: logins in flight at once; iq: sessions
	Rounds         int           // --rounds: login: log every user in and out this many times
	Pairs          int           // --pairs: messages: pairs of users; 0 is users/2
	Count          int           // --count: messages each user sends its peer; iq: round trips per session
	Window         int           // --window: messages a sender has in flight at most
	Size           int           // --size: message body bytes
	Rate           float64       // --rate: messages: the messages per second all senders together aim at, paced; 0 as fast as the window allows
	Grace          time.Duration // --grace: how long a missing message is waited for before it counts as lost
	Contacts       int           // --contacts: presence: contacts per user (even)
	IQ             string        // --iq: ping (XEP-0199, to the server), roster (roster get), mam-peer, mam-range or mam-page (XEP-0313)
	Page           int           // --page: iq mam-*: messages a query asks for (RSM <max/>)
	Since          time.Duration // --since: iq mam-range: the range queried is the last this long
	Rooms          int           // --rooms: rooms: group chat rooms
	Occupants      int           // --occupants: rooms: occupants of each room (users 1..rooms×occupants)
	MUCDomain      string        // --muc-domain: rooms: the group chat service; "" is conference.<domain>
	Settle         time.Duration // --settle: idle: wait after the last login before measuring memory
	Hold           time.Duration // --hold: idle: keep the sessions this long after measuring
	PID            int           // --pid: the server process whose CPU time (every scenario) and RSS (idle) are measured, children included
	NodeAddrs      []string      // --node-addrs: the other nodes of a cluster that --addr is one of; users are spread over all (see nodeOf)
	NodePIDs       []int         // --node-pids: the other nodes' processes, whose CPU time is added to --pid's
	Relay          bool          // --relay: messages: drive a bench relay instead of an XMPP server
	SourceAddrs    []string      // --source-addrs: local addresses the connections come from, in turn; empty: the system's choice
	Progress       io.Writer     // where the progress bar is drawn; nil for none
}

// Default returns the defaults of `switchboard bench`.
func Default() Config {
	return Config{
		Addr:           "127.0.0.1:5222",
		Domain:         "localhost",
		Users:          100,
		UserPrefix:     "user",
		PasswordPrefix: "pw",
		FirstUser:      1,
		Mechanism:      "SCRAM-SHA-256",
		Resource:       "bench",
		Concurrency:    50,
		Rounds:         1,
		Count:          200,
		Window:         10,
		Size:           128,
		Grace:          5 * time.Second,
		Contacts:       20,
		IQ:             "ping",
		Page:           20,
		Since:          time.Hour,
		Rooms:          10,
		Occupants:      10,
		Settle:         2 * time.Second,
	}
}

// Validate checks the settings one scenario uses.
func (c *Config) Validate(scenario string) error {
	if !slices.Contains(Scenarios, scenario) {
		return fmt.Errorf("unknown scenario %q (expected one of %v)", scenario, Scenarios)
	}
	switch {
	case c.Addr == "" || c.Domain == "":
		return fmt.Errorf("--addr and --domain are required")
	case c.Users < 1:
		return fmt.Errorf("--users must be at least 1")
	case c.FirstUser < 1:
		return fmt.Errorf("--first-user must be at least 1")
	case !slices.Contains(client.Mechanisms, c.Mechanism):
		return fmt.Errorf("--mech %q: expected one of %v", c.Mechanism, client.Mechanisms)
	case c.Concurrency < 1 || c.Rounds < 1 || c.Count < 1 || c.Window < 1:
		return fmt.Errorf("--concurrency, --rounds, --count and --window must be at least 1")
	case c.Relay && scenario != "messages":
		return fmt.Errorf("--relay only applies to the messages scenario")
	case c.Relay && len(c.NodeAddrs) > 0:
		return fmt.Errorf("--node-addrs drives a cluster, not the relay")
	case len(c.NodePIDs) > 0 && c.PID <= 0:
		return fmt.Errorf("--node-pids adds to --pid, which is missing")
	}
	for _, a := range c.SourceAddrs {
		if _, err := netip.ParseAddr(a); err != nil {
			return fmt.Errorf("--source-addrs: %q is not an IP address", a)
		}
	}
	switch scenario {
	case "messages":
		if c.pairs() < 1 || 2*c.pairs() > c.Users {
			return fmt.Errorf("--pairs %d needs 2×%d users but --users is %d", c.pairs(), c.pairs(), c.Users)
		}
		if c.Size < minBodySize {
			return fmt.Errorf("--size must be at least %d bytes (the body carries a run id, a sequence number and a timestamp)", minBodySize)
		}
		if c.Rate < 0 {
			return fmt.Errorf("--rate must not be negative")
		}
	case "presence":
		if c.Contacts < 2 || c.Contacts%2 != 0 || c.Contacts >= c.Users {
			return fmt.Errorf("--contacts must be even, at least 2 and less than --users (got %d with %d users)", c.Contacts, c.Users)
		}
	case "rooms":
		if c.Rooms < 1 || c.Occupants < 1 {
			return fmt.Errorf("--rooms and --occupants must be at least 1")
		}
		if c.Rooms*c.Occupants > c.Users {
			return fmt.Errorf("--rooms %d × --occupants %d needs as many users, but --users is %d", c.Rooms, c.Occupants, c.Users)
		}
		if c.Size < minBodySize {
			return fmt.Errorf("--size must be at least %d bytes (the body carries a run id, a sequence number and a timestamp)", minBodySize)
		}
	case "iq":
		if !slices.Contains(IQKinds, c.IQ) {
			return fmt.Errorf("--iq %q: expected one of %s", c.IQ, strings.Join(IQKinds, ", "))
		}
		if c.Page < 1 {
			return fmt.Errorf("--page must be at least 1")
		}
		if c.Concurrency > c.Users {
			return fmt.Errorf("--concurrency %d sessions need as many users, but --users is %d", c.Concurrency, c.Users)
		}
	}
	return nil
}

// mucDomain is the group chat service the rooms scenario uses.
func (c *Config) mucDomain() string {
	if c.MUCDomain != "" {
		return c.MUCDomain
	}
	return "conference." + c.Domain
}

func (c *Config) pairs() int {
	if c.Pairs > 0 {
		return c.Pairs
	}
	return c.Users / 2
}

// account returns the credentials of the run's user n (from 1): account
// number n+FirstUser-1.
func (c *Config) account(n int) *client.Account {
	s := strconv.Itoa(n + c.FirstUser - 1)
	return client.NewAccount(c.UserPrefix+s, c.PasswordPrefix+s)
}

// bareJID is the bare JID of the run's user n (from 1).
func (c *Config) bareJID(n int) string {
	return c.UserPrefix + strconv.Itoa(n+c.FirstUser-1) + "@" + c.Domain
}

// nodeOf is the node user n logs in to: 0 is --addr, i is
// --node-addrs[i-1]. Users are spread evenly, and of the pairs of the
// messages scenario (users 2p+1 and 2p+2) the even ones have both users
// on one node and the odd ones one user on each of two: with two nodes,
// half the traffic crosses between them.
func (c *Config) nodeOf(n int) int {
	k := 1 + len(c.NodeAddrs)
	p := (n - 1) / 2
	node := (p / 2) % k
	if n%2 == 0 && crossPair(p) {
		node = (node + 1) % k
	}
	return node
}

// crossPair reports whether pair p of the messages scenario has its two
// users on different nodes, when there are several.
func crossPair(p int) bool { return p%2 == 1 }

// clientOptions are the options of the connections to each node, by
// nodeOf.
func (c *Config) clientOptions() []*client.Options {
	out := []*client.Options{c.clientOptionsFor(c.Addr)}
	for _, a := range c.NodeAddrs {
		out = append(out, c.clientOptionsFor(a))
	}
	return out
}

func (c *Config) clientOptionsFor(addr string) *client.Options {
	return &client.Options{
		Addr:      addr,
		Domain:    c.Domain,
		DirectTLS: c.DirectTLS,
		Mechanism: c.Mechanism,
		Resource:  c.Resource,
		Sources:   client.NewSources(c.sources()),
	}
}

// sources parses --source-addrs; Validate has reported any that do not
// parse.
func (c *Config) sources() []netip.Addr {
	var out []netip.Addr
	for _, s := range c.SourceAddrs {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}
