package pluginv1

// The go-plugin handshake shared by the core and every plugin. A process
// started without the cookie in its environment is not being run by
// Switchboard and says so instead of serving.
const (
	// ProtocolVersion is the contract version of this package; it is both
	// go-plugin's protocol version and Manifest.protocol_version.
	ProtocolVersion = 1
	// MagicCookieKey and MagicCookieValue are go-plugin's handshake cookie.
	MagicCookieKey   = "SWITCHBOARD_PLUGIN"
	MagicCookieValue = "b1e6f1f8-switchboard-xmpp-plugin"
	// PluginName is the key of the one plugin type in go-plugin's plugin map.
	PluginName = "switchboard"
	// MaxMessageBytes is the largest gRPC message the core's and a
	// plugin's servers accept, past gRPC's default of 4 MiB: a batch of
	// archived messages and the store batch that writes it are a few MiB
	// each when the archive is busy (the core cuts batches at
	// ObserveBatchBytes, mam its store batches at half this).
	MaxMessageBytes = 32 << 20
	// ReleaseAfterEnv names the environment variable in which the core
	// hands a plugin process its memory.release_after, as a Go duration:
	// sdk.Serve returns the process's free heap to the operating system
	// once no garbage collection has run for that long. Unset or 0: never.
	ReleaseAfterEnv = "SWITCHBOARD_MEMORY_RELEASE_AFTER"
	// ObserveBatchBytes bounds a batch of observed messages, all fields
	// counted, well inside MaxMessageBytes.
	ObserveBatchBytes = 8 << 20
	// CallStreamHeader is the header the core sends first on
	// Host.CallStream, before any reply: a plugin that sees it knows the
	// core carries its calls on the stream (a core without CallStream ends
	// the stream without headers, with unimplemented).
	CallStreamHeader = "switchboard-call-stream"
)
