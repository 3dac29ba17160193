package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/storage/sqlite"
)

// backupCmd runs `switchboard backup --to FILE`: a consistent copy of the
// SQLite database, taken while the server runs.
func backupCmd(ctx context.Context, env cliEnv, args []string) error {
	var to string
	cfg, fs, err := loadConfig(env, "backup", config.StorageFlags, args, func(fs *pflag.FlagSet) {
		fs.StringVar(&to, "to", "", "the file to write the backup to (must not exist)")
	})
	if err != nil {
		return err
	}
	if to == "" || fs.NArg() != 0 {
		return badUsage("backup", "expected --to FILE")
	}
	if cfg.Storage.Driver != config.DriverSQLite {
		return errors.New("backup: the store is PostgreSQL; back it up with pg_dump, as docs/OPERATIONS.md shows " +
			"(pg_dump --format=custom --file=switchboard.dump DBNAME)")
	}
	store, err := sqlite.Open(ctx, cfg.StorageDSN(), newLogger(cfg, env))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer store.Close()
	if err := store.Backup(ctx, to); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(env.stdout, "backed up %s to %s\n", cfg.StorageDSN(), to)
	return nil
}
