package sdk

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/pluginserver"
)

// Serve runs p as a plugin process; it is the last line of main. The core
// starts the process, hand-shakes (go-plugin, gRPC, mutual TLS), reads the
// manifest and configures it; Serve returns only by exiting the process,
// after Cleanup, when the core stops it. Run by hand, the binary says it
// is a plugin and exits.
//
// Log lines go to stderr as JSON, where the core picks them up and writes
// them into its own log under the plugin's name, at the core's level.
func Serve(p Plugin) {
	// sdktest runs a plugin through here too, with the transport swapped
	// for an in-memory one (see pluginserver.InProcess).
	if ip, ok := p.(pluginserver.InProcess); ok {
		log := ip.Logger()
		ip.ServeInProcess(pluginserver.NewGRPCPlugin(pluginserver.New(newDispatcher(p, log), log)))
		return
	}
	// Trace: the core filters by its own level. os.Stderr is read now,
	// before go-plugin swaps it for its stdio pipe.
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: os.Stderr, JSONFormat: true})
	os.Exit(pluginserver.Serve(pluginserver.New(newDispatcher(p, log), log), log))
}
