package main

import (
	"errors"
	"fmt"
)

func configCmd(env cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("config: expected check")
	}
	cfg, fs, err := loadConfig(env, "config check", args[1:], nil)
	if err != nil {
		return err
	}
	path, _ := fs.GetString("config")
	if path == "" {
		path = "(built-in defaults)"
	}
	fmt.Fprintf(env.stdout, "%s: OK (domain %s)\n", path, cfg.Domain)
	return nil
}
