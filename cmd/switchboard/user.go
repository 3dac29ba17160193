package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/switchboard-xmpp/switchboard/core/accounts"
	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/server"
	"github.com/switchboard-xmpp/switchboard/core/storage"
)

func user(ctx context.Context, env cliEnv, args []string) error {
	if len(args) == 0 {
		return badUsage("user", "expected add, del, passwd, unlock or list")
	}
	sub, args := args[0], args[1:]
	switch {
	case isHelp(sub):
		printHelp(env.stdout, "user", nil)
		return helped{}
	case !slices.Contains([]string{"add", "del", "passwd", "unlock", "list"}, sub):
		// Before the store is opened: a typo must not create a database.
		return badUsage("user", "unknown subcommand %q (expected add, del, passwd, unlock or list)", sub)
	}
	var password string
	cfg, fs, err := loadConfig(env, "user "+sub, config.StorageFlags, args, func(fs *pflag.FlagSet) {
		if sub == "add" || sub == "passwd" {
			fs.StringVar(&password, "password", "", `the password, or "-" to read it from standard input`)
		}
	})
	if err != nil {
		return err
	}
	store, err := server.OpenStore(ctx, cfg, newLogger(cfg, env))
	if err != nil {
		return err
	}
	defer store.Close()
	acc := accounts.New(store, cfg.Auth.SCRAMIterations)

	if sub == "list" {
		return listUsers(ctx, env, cfg, acc)
	}
	if fs.NArg() != 1 {
		return badUsage("user "+sub, "expected one JID, got %d arguments", fs.NArg())
	}
	j, err := accountJID(fs.Arg(0), cfg)
	if err != nil {
		return err
	}
	switch sub {
	case "add", "passwd":
		pw, err := readPassword(password, env.stdin)
		if err != nil {
			return err
		}
		if sub == "add" {
			err = acc.Create(ctx, j.Domain, j.Local, pw)
			if errors.Is(err, storage.ErrExists) {
				return fmt.Errorf("user add: %s already exists", j.Bare())
			}
		} else {
			err = acc.SetPassword(ctx, j.Domain, j.Local, pw)
		}
		if err != nil {
			return fmt.Errorf("user %s %s: %w", sub, j.Bare(), err)
		}
	case "del":
		if err := acc.Delete(ctx, j.Domain, j.Local); err != nil {
			return fmt.Errorf("user del %s: %w", j.Bare(), err)
		}
	case "unlock":
		// The server reads this from the database at the account's next
		// login attempt; there is no other channel to it yet.
		err := acc.Unlock(ctx, j.Domain, j.Local)
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("user unlock: %s does not exist", j.Bare())
		}
		if err != nil {
			return fmt.Errorf("user unlock %s: %w", j.Bare(), err)
		}
	}
	fmt.Fprintf(env.stdout, "%s: %s\n", j.Bare(), map[string]string{
		"add": "created", "passwd": "password changed", "del": "deleted",
		"unlock": "unlocked: failed logins until now no longer count",
	}[sub])
	return nil
}

func listUsers(ctx context.Context, env cliEnv, cfg *config.Config, acc *accounts.Service) error {
	for _, d := range cfg.Hosted() {
		names, err := acc.List(ctx, d)
		if err != nil {
			return fmt.Errorf("user list: %w", err)
		}
		for _, n := range names {
			fmt.Fprintf(env.stdout, "%s@%s\n", n, d)
		}
	}
	return nil
}

// accountJID accepts "alice" (of the primary domain) or "alice@domain" for
// any hosted domain: the JID's domain is the account's.
func accountJID(s string, cfg *config.Config) (jidprep.JID, error) {
	if !strings.Contains(s, "@") {
		s += "@" + cfg.Domain
	}
	j, err := jidprep.Parse(s)
	if err != nil {
		return j, err
	}
	if j.Local == "" || j.Resource != "" {
		return j, fmt.Errorf("%q is not an account JID (expected user@%s)", s, cfg.Domain)
	}
	if !slices.Contains(cfg.Hosted(), j.Domain) {
		return j, fmt.Errorf("%s is not on a domain this server hosts %v (set domain or domains in the config)", j.Bare(), cfg.Hosted())
	}
	return j, nil
}

// readPassword takes the --password value; "-" reads one line from stdin so
// that the password stays out of the process list and shell history.
func readPassword(flag string, stdin io.Reader) (string, error) {
	if flag == "" {
		return "", errors.New(`--password is required ("-" reads it from standard input)`)
	}
	if flag != "-" {
		return flag, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
