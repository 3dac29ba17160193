package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/pflag"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/server"

	"github.com/switchboard-xmpp/switchboard/core/storage/backend"
	"github.com/switchboard-xmpp/switchboard/core/storage/transfer"
)

// storageCmd runs `switchboard storage copy`.
func storageCmd(ctx context.Context, env cliEnv, args []string) error {
	switch {
	case len(args) > 0 && isHelp(args[0]):
		printHelp(env.stdout, "storage", nil)
		return helped{}
	case len(args) > 0 && args[0] == "migrate":
		return storageMigrate(ctx, env, args[1:])
	case len(args) == 0 || args[0] != "copy":
		return badUsage("storage", "expected copy --from URL --to URL, or migrate")
	}
	fs := pflag.NewFlagSet("storage copy", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	from := fs.String("from", "", "the store to copy: sqlite:PATH or postgres://…")
	to := fs.String("to", "", "the store to copy into: sqlite:PATH or postgres://…")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printHelp(env.stdout, "storage copy", fs)
			return helped{}
		}
		return badUsage("storage copy", "%v", err)
	}
	if *from == "" || *to == "" || fs.NArg() != 0 {
		return badUsage("storage copy", "expected --from URL --to URL (sqlite:PATH or postgres://…)")
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "switchboard", Level: hclog.Warn, Output: env.stderr})
	src, err := backend.OpenBulk(ctx, *from, log.Named("from"))
	if err != nil {
		return fmt.Errorf("storage copy: opening %s: %w", *from, err)
	}
	defer src.Close()
	dst, err := backend.OpenBulk(ctx, *to, log.Named("to"))
	if err != nil {
		return fmt.Errorf("storage copy: opening %s: %w", *to, err)
	}
	counts, err := transfer.Copy(ctx, src, dst, progressBar(env.stderr, "rows"))
	if err != nil {
		dst.Close()
		return fmt.Errorf("storage copy: %w (rerunning the copy is safe)", err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("storage copy: closing %s: %w", *to, err)
	}
	fmt.Fprintf(env.stdout, "copied and verified: %d accounts", counts.Accounts)
	for _, ns := range slices.Sorted(maps.Keys(counts.KV)) {
		fmt.Fprintf(env.stdout, ", %s %d", ns, counts.KV[ns])
	}
	fmt.Fprintln(env.stdout)
	return nil
}

// progressBar draws a long command's progress on w, counting unit: redrawn
// in place on a terminal, a line per report otherwise (a log file).
func progressBar(w io.Writer, unit string) transfer.Progress {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		if fi, err := f.Stat(); err == nil {
			tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	const width = 30
	return func(done, total int64) {
		frac := 1.0
		if total > 0 {
			frac = float64(done) / float64(total)
		}
		filled := int(frac * width)
		line := fmt.Sprintf("[%s%s] %3.0f%% %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, done, total, unit)
		if tty {
			fmt.Fprintf(w, "\r%s", line)
			if done == total {
				fmt.Fprintln(w)
			}
			return
		}
		fmt.Fprintln(w, line)
	}
}

// storageMigrate brings the configured store's schema up to this build's,
// for operators who apply migrations before they start the new version
// (serve applies them at start too). A schema newer than the build knows
// is refused, as serve refuses it.
func storageMigrate(ctx context.Context, env cliEnv, args []string) error {
	cfg, fs, err := loadConfig(env, "storage migrate", config.StorageFlags, args, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return badUsage("storage migrate", "takes no arguments")
	}
	store, err := server.OpenStore(ctx, cfg, newLogger(cfg, env))
	if err != nil {
		return fmt.Errorf("storage migrate: %w", err)
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("storage migrate: closing the store: %w", err)
	}
	fmt.Fprintf(env.stdout, "%s store: schema up to date\n", cfg.Storage.Driver)
	return nil
}
