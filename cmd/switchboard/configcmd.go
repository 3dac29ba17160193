package main

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/server"
	"github.com/switchboard-xmpp/switchboard/core/storage/backend"
)

// storageCheckTimeout bounds config check's connection to the database,
// beyond the DSN's own connect_timeout, so that the command always answers.
const storageCheckTimeout = 30 * time.Second

func configCmd(ctx context.Context, env cliEnv, args []string) error {
	switch {
	case len(args) > 0 && isHelp(args[0]):
		printHelp(env.stdout, "config", nil)
		return helped{}
	case len(args) == 0 || args[0] != "check":
		return badUsage("config", "expected check")
	}
	cfg, fs, err := loadConfig(env, "config check", serveFlags, args[1:], nil)
	if err != nil {
		return err
	}
	path, _ := fs.GetString("config")
	if path == "" {
		path = "(built-in defaults)"
	}
	// A database the server cannot reach is a configuration the server
	// will refuse, so the check tries it (SQLite's file is left alone:
	// the server creates it).
	if cfg.Storage.Driver == config.DriverPostgres {
		ctx, cancel := context.WithTimeout(ctx, storageCheckTimeout)
		defer cancel()
		if err := backend.Check(ctx, cfg.Storage.Driver, cfg.StorageDSN(), server.StorageOptions(cfg)); err != nil {
			return fmt.Errorf("%s: storage: %w", path, err)
		}
	}
	fmt.Fprintf(env.stdout, "%s: OK (domain %s, storage %s)\n", path, cfg.Domain, cfg.Storage.Driver)
	return nil
}
