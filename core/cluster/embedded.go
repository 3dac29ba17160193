package cluster

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// runEmbedded starts a NATS server with JetStream in this process,
// listening on addr (host:port), for tests and demos.
func runEmbedded(addr, dataDir string) (*natsserver.Server, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("cluster.embedded_nats %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("cluster.embedded_nats %q: bad port: %w", addr, err)
	}
	ns, err := natsserver.NewServer(&natsserver.Options{
		ServerName: "switchboard-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(dataDir, "nats"),
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("configuring the embedded NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("the embedded NATS server on %s did not start", addr)
	}
	return ns, nil
}
