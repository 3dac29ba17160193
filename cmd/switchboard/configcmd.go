package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost"
	"github.com/switchboard-xmpp/switchboard/core/server"
	"github.com/switchboard-xmpp/switchboard/core/storage/backend"
	"github.com/switchboard-xmpp/switchboard/core/tlscert"
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
	var problems []error
	opts, err := serverOptions()
	if err != nil {
		return err
	}
	specs, err := server.PluginSpecs(cfg, opts.Builtins, opts.OptIn)
	if err != nil {
		problems = append(problems, err)
	}
	problems = append(problems, checkPlugins(ctx, env, opts.Executable, specs)...)
	// A self-signed certificate is made by the server for its domain;
	// only configured files can be wrong.
	if cfg.TLS.CertFile != "" {
		if err := tlscert.CheckFiles(cfg.TLS.CertFile, cfg.TLS.KeyFile, cfg.Domain, time.Now()); err != nil {
			problems = append(problems, fmt.Errorf("tls: %w", err))
		}
	}
	problems = append(problems, checkListeners(cfg)...)
	// A database the server cannot reach is a configuration the server
	// will refuse, so the check tries it (SQLite's file is left alone:
	// the server creates it).
	if cfg.Storage.Driver == config.DriverPostgres {
		ctx, cancel := context.WithTimeout(ctx, storageCheckTimeout)
		defer cancel()
		if err := backend.Check(ctx, cfg.Storage.Driver, cfg.StorageDSN(), server.StorageOptions(cfg)); err != nil {
			problems = append(problems, fmt.Errorf("storage: %w", err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %w", path, errors.Join(problems...))
	}
	fmt.Fprintf(env.stdout, "%s: OK (domain %s, storage %s)\n", path, cfg.Domain, cfg.Storage.Driver)
	return nil
}

// checkPlugins has every plugin that would run check its own config
// section, all at once: a built-in is this binary re-executed, a
// third-party plugin its executable, each started only to be asked. A
// plugin that cannot check is named on standard output, not failed.
func checkPlugins(ctx context.Context, env cliEnv, executable string, specs []pluginhost.Spec) []error {
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = pluginhost.CheckConfig(ctx, executable, s, hclog.NewNullLogger())
		}()
	}
	wg.Wait()
	var problems []error
	for i, err := range errs {
		var refused *pluginhost.ConfigError
		switch {
		case err == nil:
		case errors.Is(err, pluginhost.ErrNotChecked):
			fmt.Fprintf(env.stdout, "plugins.%s.config: %v\n", specs[i].Name, err)
		case errors.As(err, &refused):
			problems = append(problems, fmt.Errorf("plugins.%s.config: %w", specs[i].Name, err))
		default: // it would not start at all
			problems = append(problems, fmt.Errorf("plugins.%s: %w", specs[i].Name, err))
		}
	}
	return problems
}

// checkListeners binds each configured address for a moment, as serve
// would: a port another process holds (or this server, already running)
// is named now rather than at start.
func checkListeners(cfg *config.Config) []error {
	var problems []error
	for _, a := range cfg.Listeners() {
		l, err := net.Listen("tcp", a.Addr)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: cannot listen on %s (in use by another process, or by this server already running?): %w", a.Key, a.Addr, err))
			continue
		}
		l.Close()
	}
	return problems
}
