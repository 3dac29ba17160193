// Package cluster runs the server as one node of several that serve one
// domain together, over NATS: the session registry in a JetStream
// key-value bucket mirrored into the local session.Table, node liveness,
// and the delivery of stanzas to sessions that other nodes hold
// (docs/ARCHITECTURE.md, Cluster). A server that is not clustered never
// builds it.
package cluster

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
)

// Router takes back a stanza that no node took: a message is routed to
// the account's bare JID again (another resource, or offline storage), a
// request answered with an error. router.Router implements it.
type Router interface {
	Redeliver(ctx context.Context, b []byte, recipient jidprep.JID, usesArchive bool) bool
}

// Plugins are this node's plugins, as the cluster tells them of what
// happens on the other nodes (pluginhost.Host implements it).
type Plugins interface {
	// SessionClosed announces the end of a session that a dead node
	// held, so that its contacts hear of it: one survivor does.
	SessionClosed(s *session.Session, lastPresence []byte)
	// SessionElsewhere tells of a change of another node's session:
	// presence is what it broadcasts while available, nil once it is
	// unavailable or gone.
	SessionElsewhere(s *session.Session, presence []byte)
	// Published hands on what a plugin of another node published
	// (elsewhere is true).
	Published(topic, jid string, payload []byte, elsewhere bool)
}

// Node is this process's membership of the cluster.
type Node struct {
	cfg     config.Cluster
	name    string
	log     hclog.Logger
	table   *session.Table
	router  Router
	plugins Plugins

	embedded *natsserver.Server // nil unless cluster.embedded_nats
	nc       *nats.Conn
	reg      *registry
	live     *liveness
	links    links

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start joins the cluster that cfg names: it runs the embedded NATS when
// asked, connects, makes the buckets, subscribes to this node's subject
// and mirrors the registry into table. It returns once table holds every
// session the cluster had bound, so that routing is right from the first
// stanza. dataDir keeps the embedded NATS's JetStream files.
func Start(ctx context.Context, cfg config.Cluster, dataDir string, table *session.Table, r Router, p Plugins, log hclog.Logger) (*Node, error) {
	name, err := nodeName(cfg.Node)
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, name: name, log: log.With("node", name), table: table, router: r, plugins: p}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.links = links{n: n, m: map[string]*link{}}
	if err := n.connect(dataDir); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.join(ctx); err != nil {
		n.Close()
		return nil, err
	}
	n.log.Info("joined the cluster", "nats", n.nc.ConnectedUrlRedacted())
	return n, nil
}

// Name is this node's name in the cluster.
func (n *Node) Name() string { return n.name }

func (n *Node) connect(dataDir string) error {
	url := n.cfg.NATSURL
	if n.cfg.EmbeddedNATS != "" {
		ns, err := runEmbedded(n.cfg.EmbeddedNATS, dataDir)
		if err != nil {
			return err
		}
		n.embedded = ns
		if url == "" {
			url = ns.ClientURL()
		}
	}
	nc, err := nats.Connect(url, nats.Name("switchboard "+n.name), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			n.log.Warn("lost the connection to NATS; reconnecting", "error", err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) { n.log.Info("reconnected to NATS") }))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	n.nc = nc
	return nil
}

func (n *Node) join(ctx context.Context) error {
	js, err := jetstream.New(n.nc)
	if err != nil {
		return fmt.Errorf("opening JetStream: %w", err)
	}
	sessions, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      n.cfg.Name + "_sessions",
		Description: "switchboard: the node holding each bound full JID",
		History:     1,
		Storage:     jetstream.MemoryStorage,
	})
	if err != nil {
		return fmt.Errorf("opening the session registry bucket: %w", err)
	}
	nodes, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      n.cfg.Name + "_nodes",
		Description: "switchboard: one key per live node",
		History:     1,
		TTL:         n.cfg.Liveness,
		Storage:     jetstream.MemoryStorage,
	})
	if err != nil {
		return fmt.Errorf("opening the node liveness bucket: %w", err)
	}
	if _, err := n.nc.Subscribe(n.subject(n.name), n.receive); err != nil {
		return fmt.Errorf("subscribing to this node's deliveries: %w", err)
	}
	if _, err := n.nc.Subscribe(n.closeSubject(n.name), n.closeRequested); err != nil {
		return fmt.Errorf("subscribing to requests to close this node's sessions: %w", err)
	}
	if _, err := n.nc.Subscribe(n.publishSubject(), n.published); err != nil {
		return fmt.Errorf("subscribing to the plugins' notifications: %w", err)
	}
	n.reg = newRegistry(n, sessions)
	n.live = newLiveness(n, nodes)
	if err := n.live.beat(ctx); err != nil {
		return err
	}
	if err := n.watch(ctx, nodes, n.live.apply); err != nil {
		return fmt.Errorf("watching the node liveness bucket: %w", err)
	}
	if err := n.watch(ctx, sessions, n.reg.apply); err != nil {
		return fmt.Errorf("watching the session registry: %w", err)
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.live.run(n.ctx)
	}()
	return nil
}

// watch applies every change of kv, first replaying what it holds; it
// returns once the replay is applied.
func (n *Node) watch(ctx context.Context, kv jetstream.KeyValue, apply func(e jetstream.KeyValueEntry, initial bool)) error {
	w, err := kv.WatchAll(n.ctx)
	if err != nil {
		return err
	}
	replayed := make(chan struct{})
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer w.Stop()
		initial := true
		for e := range w.Updates() {
			if e == nil {
				initial = false
				close(replayed)
				continue
			}
			apply(e, initial)
		}
	}()
	select {
	case <-replayed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// subject is where node receives the stanzas for its sessions.
func (n *Node) subject(node string) string { return n.cfg.Name + ".deliver." + node }

// Close leaves the cluster: this node's liveness key goes, so that the
// others know at once, and the NATS connection closes. Call it after the
// node's sessions have ended, so that their registry keys are gone.
func (n *Node) Close() {
	if n.live != nil {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.AckTimeout)
		n.live.leave(ctx)
		cancel()
	}
	n.cancel()
	if n.nc != nil {
		n.nc.Close()
	}
	n.wg.Wait()
	if n.embedded != nil {
		n.embedded.Shutdown()
		n.embedded.WaitForShutdown()
	}
}

// nodeName is cluster.node, or the host name made fit for a NATS subject.
func nodeName(configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	host, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("naming this node after its host (set cluster.node): %w", err)
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, host), nil
}

// takeBack routes again a stanza that the node holding its recipient did
// not take.
func (n *Node) takeBack(full string, b []byte) {
	j, err := jidprep.Parse(full)
	if err != nil {
		n.log.Warn("taking back a stanza for a session of another node", "to", full, "error", err)
		return
	}
	n.router.Redeliver(n.ctx, b, j, false)
}

// waitFor is how long a NATS call of this node may take.
func (n *Node) waitFor() time.Duration { return n.cfg.AckTimeout }
