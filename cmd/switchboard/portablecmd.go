package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/pflag"

	"github.com/switchboard-xmpp/switchboard/builtins"
	"github.com/switchboard-xmpp/switchboard/core/accounts"
	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/portable"
	"github.com/switchboard-xmpp/switchboard/core/server"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// exportCmd runs `switchboard export --to FILE`: every account of the
// configured domain and its data as an XEP-0227 file.
func exportCmd(ctx context.Context, env cliEnv, args []string) error {
	var to string
	cfg, fs, err := loadConfig(env, "export", config.StorageFlags, args, func(fs *pflag.FlagSet) {
		fs.StringVar(&to, "to", "", "the XEP-0227 file to write (must not exist)")
	})
	if err != nil {
		return err
	}
	if to == "" || fs.NArg() != 0 {
		return badUsage("export", "expected --to FILE")
	}
	log := newLogger(cfg, env)
	plugins, err := portablePlugins(cfg, log)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	store, err := server.OpenStore(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer store.Close()
	// Written beside the target and renamed at the end, so that a file
	// by that name is always a whole export.
	f, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".partial-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(f.Name())
	counts, err := portable.Export(ctx, store, cfg.Domain, plugins, f, accountProgress(env))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing %s: %w", to, cerr)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("export: %s exists; choose another file", to)
	}
	if err := os.Rename(f.Name(), to); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(env.stdout, "exported %d accounts of %s to %s%s\n", counts.Accounts, cfg.Domain, to, countList(counts.Elements))
	return nil
}

// importCmd runs `switchboard import FILE|DIR...`.
func importCmd(ctx context.Context, env cliEnv, args []string) error {
	var opts portable.ImportOptions
	cfg, fs, err := loadConfig(env, "import", config.StorageFlags, args, func(fs *pflag.FlagSet) {
		fs.BoolVar(&opts.Replace, "replace", false, "overwrite accounts that exist (their keys and all their data); otherwise they are left as they are")
		fs.BoolVar(&opts.DryRun, "dry-run", false, "read and check everything, say what would be imported, write nothing")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return badUsage("import", "expected FILE or DIR (XEP-0227 files)")
	}
	opts.Domain = cfg.Domain
	log := newLogger(cfg, env)
	users, err := portable.ReadFiles(fs.Args())
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	plugins, err := portablePlugins(cfg, log)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	store, err := server.OpenStore(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer store.Close()
	im := portable.Importer{Store: store, Accounts: accounts.New(store, cfg.Auth.SCRAMIterations), Plugins: plugins, Log: log.Named("import")}
	res, err := im.Import(ctx, users, opts, accountProgress(env))
	verb := "imported"
	if opts.DryRun {
		verb = "would import"
	}
	fmt.Fprintf(env.stdout, "%s %d accounts%s", verb, len(res.Accounts), countList(res.Items))
	if len(res.Existing) > 0 {
		fmt.Fprintf(env.stdout, "; left %d that exist as they are (--replace overwrites them)", len(res.Existing))
	}
	if len(res.SHA1Only) > 0 {
		fmt.Fprintf(env.stdout, "; %d with SCRAM-SHA-1 keys only (see docs/OPERATIONS.md)", len(res.SHA1Only))
	}
	fmt.Fprintln(env.stdout)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// portablePlugins are the configured plugins that move data with the
// accounts. A third-party plugin's data stays behind: its code is not in
// this process.
func portablePlugins(cfg *config.Config, log hclog.Logger) ([]portable.Plugin, error) {
	opts, err := serverOptions()
	if err != nil {
		return nil, err
	}
	specs, err := server.PluginSpecs(cfg, opts.Builtins, opts.OptIn)
	if err != nil {
		return nil, err
	}
	var out []portable.Plugin
	for _, s := range specs {
		if s.Path != "" {
			log.Warn("a third-party plugin's data is not exported or imported", "plugin", s.Name)
			continue
		}
		if p, ok := builtins.All()[s.Name]().(sdk.Portable); ok {
			out = append(out, portable.Plugin{Name: s.Name, Portable: p})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no configured plugin keeps account data (roster, vcard, private, offline): only accounts would move")
	}
	return out, nil
}

// accountProgress draws progress on stderr, as storage copy does, at
// most once a percent: the commands report every account, and a log file
// should not get a line for each.
func accountProgress(env cliEnv) portable.Progress {
	bar := progressBar(env.stderr, "accounts")
	last := int64(-1)
	return func(done, total int64) {
		pct := int64(100)
		if total > 0 {
			pct = done * 100 / total
		}
		if pct != last || done == total {
			last = pct
			bar(done, total)
		}
	}
}

// countList is ", roster 3, vcard 1" for a summary line.
func countList(counts map[string]int) string {
	s := ""
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		s += fmt.Sprintf(", %s %d", name, counts[name])
	}
	return s
}
