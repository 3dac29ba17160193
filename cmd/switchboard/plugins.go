package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/builtins"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost"
	"github.com/switchboard-xmpp/switchboard/core/server"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

func serverOptions() (server.Options, error) {
	exe, err := os.Executable()
	if err != nil {
		return server.Options{}, fmt.Errorf("finding the switchboard executable for built-in plugins: %w", err)
	}
	return server.Options{Builtins: builtins.Names(), OptIn: builtins.OptIn(), Executable: exe}, nil
}

// pluginCmd runs a built-in plugin (as the host does) or lists plugins.
func pluginCmd(ctx context.Context, env cliEnv, args []string) error {
	if len(args) == 0 {
		return badUsage("plugin", "expected list or NAME")
	}
	if isHelp(args[0]) {
		printHelp(env.stdout, "plugin", nil)
		return helped{}
	}
	if args[0] == "list" {
		return pluginList(ctx, env, args[1:])
	}
	newPlugin, ok := builtins.All()[args[0]]
	if !ok {
		return fmt.Errorf("plugin: no built-in plugin %q (built-ins: %s)", args[0], strings.Join(builtins.Names(), ", "))
	}
	sdk.Serve(newPlugin())
	return nil
}

// pluginList starts each configured plugin just long enough to read its
// manifest, and prints where it comes from, its state, routes and features.
func pluginList(ctx context.Context, env cliEnv, args []string) error {
	cfg, _, err := loadConfig(env, "plugin list", serveFlags, args, nil)
	if err != nil {
		return err
	}
	opts, err := serverOptions()
	if err != nil {
		return err
	}
	specs, err := server.PluginSpecs(cfg, opts.Builtins, opts.OptIn)
	if err != nil {
		return err
	}
	enabled := map[string]pluginhost.Spec{}
	for _, s := range specs {
		enabled[s.Name] = s
	}
	names := append([]string(nil), opts.Builtins...)
	for name := range cfg.Plugins {
		if _, ok := builtins.All()[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSOURCE\tSTATE\tVERSION\tROUTES\tFEATURES")
	// Starting and stopping each plugin is routine here, not news.
	log := newLogger(cfg, env).Named("plugin")
	log.SetLevel(hclog.Warn)
	for _, name := range names {
		source := "built-in"
		if p := cfg.Plugins[name]; p.Path != "" {
			source = p.Path
		}
		spec, ok := enabled[name]
		if !ok {
			fmt.Fprintf(w, "%s\t%s\tdisabled\t\t\t\n", name, source)
			continue
		}
		m, err := pluginhost.Inspect(ctx, opts.Executable, spec, log)
		if err != nil {
			fmt.Fprintf(w, "%s\t%s\tbroken: %v\t\t\t\n", name, source, err)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\tenabled\t%s\t%s\t%s\n", name, source, m.GetVersion(), strings.Join(pluginhost.RouteNames(m), "; "), strings.Join(m.GetFeatures(), " "))
	}
	return w.Flush()
}
