package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/pflag"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/journal"
	"github.com/switchboard-xmpp/switchboard/core/logfile"
	"github.com/switchboard-xmpp/switchboard/core/server"
	"github.com/switchboard-xmpp/switchboard/sdk/heaptrim"
)

// loadConfig parses the flags of the command called name (the common ones
// of which, and those extra adds) and loads the configuration layers. Asked
// for help, it prints the command's help and returns helped.
func loadConfig(env cliEnv, name string, which config.Flags, args []string, extra func(*pflag.FlagSet)) (*config.Config, *pflag.FlagSet, error) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, help goes to stdout
	fs.Usage = func() {}
	path := fs.String("config", "", "configuration file (YAML); default $"+config.EnvConfigFile+", else the built-in defaults")
	config.RegisterFlags(fs, which)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printHelp(env.stdout, name, fs)
			return nil, nil, helped{}
		}
		return nil, nil, badUsage(name, "%v", err)
	}
	if *path == "" {
		*path = lookupEnv(env.environ, config.EnvConfigFile)
	}
	cfg, err := config.Load(*path, env.environ, fs)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	return cfg, fs, nil
}

func lookupEnv(environ []string, name string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

func newLogger(cfg *config.Config, env cliEnv) hclog.Logger {
	return newLoggerTo(cfg, env.stderr)
}

func newLoggerTo(cfg *config.Config, out io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "switchboard",
		Level:      hclog.LevelFromString(cfg.Log.Level),
		JSONFormat: cfg.Log.Format == "json",
		Output:     out,
	})
}

// serveLogger is the server's logger: standard error (each line marked
// with its priority when that is the systemd journal) and, with log.file,
// that file too (nil without).
func serveLogger(cfg *config.Config, env cliEnv) (hclog.Logger, *logfile.File, error) {
	stderr := env.stderr
	if f, ok := stderr.(*os.File); ok && journal.Connected(env.environ, f) {
		stderr = journal.NewWriter(stderr)
	}
	if cfg.Log.File == "" {
		return newLoggerTo(cfg, stderr), nil, nil
	}
	f, err := logfile.Open(cfg.Log.File)
	if err != nil {
		return nil, nil, fmt.Errorf("log.file: %w", err)
	}
	return newLoggerTo(cfg, f.Beside(stderr)), f, nil
}

// reopenLog reopens the log file after rotation; a failure keeps the old
// one, which is still written to.
func reopenLog(f *logfile.File, log hclog.Logger, why string) {
	if f == nil {
		return
	}
	if err := f.Reopen(); err != nil {
		log.Error("reopening the log file; still writing to the old one", "path", f.Path(), "error", err)
		return
	}
	log.Info("log file reopened", "path", f.Path(), "signal", why)
}

// serveFlags are the common flags of the commands that run or describe a
// server.
const serveFlags = config.StorageFlags | config.ListenerFlags

func serve(ctx context.Context, env cliEnv, args []string) error {
	cfg, _, err := loadConfig(env, "serve", serveFlags, args, nil)
	if err != nil {
		return err
	}
	log, logFile, err := serveLogger(cfg, env)
	if err != nil {
		return err
	}
	if logFile != nil {
		defer logFile.Close()
	}
	// Caught from the start: either one's default action ends the process,
	// and a logrotate or a reload may come while the plugins start. They
	// are acted on once the server runs.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	usr1 := make(chan os.Signal, 1)
	if sigs := rotateSignals(); len(sigs) > 0 {
		signal.Notify(usr1, sigs...)
		defer signal.Stop(usr1)
	}
	opts, err := serverOptions()
	if err != nil {
		return err
	}
	opts.Version = strings.ReplaceAll(strings.TrimSpace(versionText()), "\n", ", ")
	opts.LoadConfig = func() (*config.Config, error) {
		next, _, err := loadConfig(env, "serve", serveFlags, args, nil)
		return next, err
	}
	srv, err := server.New(ctx, cfg, opts, log)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	log.Info("server started", "domain", cfg.Domain, "data_dir", cfg.DataDir)
	sd := notifier{log: log.Named("systemd")}
	sd.ready()
	go sd.watchdog(ctx, srv.Accepting)
	if cfg.Memory.ReleaseAfter > 0 {
		// The process's heap, not the server's: it belongs with main.
		go heaptrim.New(cfg.Memory.ReleaseAfter, log.Named("heaptrim")).Run(ctx)
	}

	for {
		select {
		case <-usr1:
			reopenLog(logFile, log, "SIGUSR1") // the one rotateSignals names
		case <-hup:
			reopenLog(logFile, log, "SIGHUP")
			log.Info("SIGHUP: reloading the configuration")
			sd.reloading()
			next, _, err := loadConfig(env, "serve", serveFlags, args, nil)
			if err == nil {
				err = srv.Reload(ctx, next)
			}
			if err != nil {
				log.Error("reload failed; keeping the running configuration", "error", err)
			}
			sd.ready()
		case err := <-srv.Errors():
			sd.stopping()
			shutdown(srv, cfg, log)
			return err
		case <-ctx.Done():
			log.Info("shutting down")
			sd.stopping()
			return shutdown(srv, cfg, log)
		}
	}
}

func shutdown(srv *server.Server, cfg *config.Config, log hclog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Limits.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
