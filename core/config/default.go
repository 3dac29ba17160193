package config

import (
	"path/filepath"
	"time"
)

// Default returns the built-in configuration: the lowest layer of Load, and
// a server that runs on localhost with no setup.
func Default() *Config {
	return &Config{
		Domain:  "localhost",
		Domains: []string{},
		DataDir: "./data",
		Listen: Listen{
			C2S:       "127.0.0.1:5222",
			C2STLS:    "127.0.0.1:5223",
			WebSocket: "127.0.0.1:5443",
		},
		BOSH: BOSH{
			Path:         "/http-bind",
			CORSOrigins:  []string{"*"},
			MaxWait:      60 * time.Second,
			MaxRequests:  2,
			Polling:      2 * time.Second,
			Inactivity:   60 * time.Second,
			MaxPause:     120 * time.Second,
			MaxBodyBytes: 512 << 10,
		},
		TLS: TLS{Required: true, Certificates: []string{}},
		Storage: Storage{
			Driver:           DriverSQLite,
			PoolSize:         10,
			StatementTimeout: 30 * time.Second,
		},
		Auth: Auth{
			Mechanisms:      knownMechanisms(),
			MaxFailures:     3,
			SCRAMIterations: 4096,
			FailureDelay:    250 * time.Millisecond,
			FailureDelayMax: 8 * time.Second,
			BanFailures:     20,
			BanWindow:       10 * time.Minute,
			BanTime:         15 * time.Minute,
			AccountDelayMax: time.Minute,
			KnownNetworks:   4,
			KnownNetworkTTL: 30 * 24 * time.Hour,

			FAST:                 true,
			FASTTokenTTL:         21 * 24 * time.Hour,
			FASTTokensPerAccount: 16,
		},
		Limits: Limits{
			MaxStanzaBytes:        256 << 10,
			MaxStanzaBytesPreauth: 10 << 10,
			MaxDepth:              64,
			MaxAttrs:              64,
			PreauthTimeout:        30 * time.Second,
			IdleTimeout:           10 * time.Minute,
			TLSHandshakeTimeout:   10 * time.Second,
			HTTPIdleTimeout:       15 * time.Second,
			MaxResources:          16,
			SendQueueBytes:        1 << 20,
			ComponentQueue:        10000,
			ShutdownGrace:         5 * time.Second,
			WriteTimeout:          30 * time.Second,
			PluginTimeout:         10 * time.Second,
			ArchiveQueue:          32768,
			ArchiveWait:           time.Second,
			ResumeTimeout:         5 * time.Minute,
			MaxUnacked:            1000,
			MaxInFlight:           32,
			ConnectionsPerIP:      100,
			ConnectRatePerIP:      10,
			MaxTrackedAddresses:   100_000,
			RateBytesPerSecond:    1 << 20,
			RateBurstBytes:        4 << 20,
			TrustedNetworks:       []string{"127.0.0.0/8", "::1/128"},
			ReservedFiles:         256,
		},
		S2S: S2S{
			TLSRequired:         true,
			Dialback:            true,
			Bidi:                true,
			Allow:               []string{},
			Deny:                []string{},
			Hosts:               []string{},
			ConnectTimeout:      30 * time.Second,
			IdleTimeout:         10 * time.Minute,
			Queue:               1000,
			RetryMin:            10 * time.Second,
			RetryMax:            5 * time.Minute,
			MaxInbound:          1000,
			MaxStreamsPerDomain: 4,
			RateBytesPerSecond:  1 << 20,
			RateBurstBytes:      4 << 20,
		},
		Cluster: Cluster{
			Name:       "switchboard",
			Liveness:   10 * time.Second,
			AckTimeout: 5 * time.Second,
			Batch:      256,
			Queue:      10000,
		},
		Memory:  Memory{ReleaseAfter: 2 * time.Second, StopIdlePlugins: 5 * time.Minute},
		Admin:   Admin{MaxBodyBytes: 64 << 10, RequestTimeout: 30 * time.Second},
		Log:     Log{Level: "info", Format: "text"},
		Plugins: map[string]Plugin{},
	}
}

// DriverSQLite is the embedded storage driver, and the default.
const DriverSQLite = "sqlite"

// DriverPostgres is the PostgreSQL storage driver.
const DriverPostgres = "postgres"

// sqliteFile is the database file name under data_dir when storage.dsn is empty.
const sqliteFile = "switchboard.db"

// knownMechanisms lists the SASL mechanisms auth.mechanisms accepts, in the
// default order of preference: channel binding first, PLAIN last.
func knownMechanisms() []string {
	return []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}
}

// StorageDSN returns the DSN the storage driver should open: storage.dsn when
// set, otherwise the SQLite file under data_dir.
func (c *Config) StorageDSN() string {
	if c.Storage.DSN != "" || c.Storage.Driver != DriverSQLite {
		return c.Storage.DSN
	}
	return filepath.Join(c.DataDir, sqliteFile)
}
