package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/switchboard-xmpp/switchboard/core/admin"
	"github.com/switchboard-xmpp/switchboard/core/config"
)

// adminClient calls the admin API of the server the configuration
// describes, with its token.
type adminClient struct {
	base, token string
	http        *http.Client
}

func newAdminClient(cfg *config.Config) (*adminClient, error) {
	if cfg.Listen.Admin == "" {
		return nil, fmt.Errorf("listen.admin is off in this configuration: these commands talk to a running server's admin API")
	}
	if cfg.Admin.Token == "" {
		return nil, fmt.Errorf("admin.token is not set (in the configuration, or SWITCHBOARD_ADMIN_TOKEN): these commands authenticate with it")
	}
	host, port, err := net.SplitHostPort(cfg.Listen.Admin)
	if err != nil {
		return nil, fmt.Errorf("listen.admin %q: %w", cfg.Listen.Admin, err)
	}
	if port == "0" {
		return nil, fmt.Errorf("listen.admin %q has no fixed port to reach", cfg.Listen.Admin)
	}
	// A server listening on every interface is reached on loopback.
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return &adminClient{
		base:  "http://" + net.JoinHostPort(host, port),
		token: cfg.Admin.Token,
		http:  &http.Client{Timeout: cfg.Admin.RequestTimeout + 5*time.Second},
	}, nil
}

// call sends a request with body (nil: none) and decodes the answer into
// out; an answer that is not a success becomes the error it carries.
func (c *adminClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("reaching the admin API (is the server running?): %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		if json.NewDecoder(resp.Body).Decode(&e) != nil || e.Error == "" {
			e.Error = resp.Status
		}
		return fmt.Errorf("the admin API answered %d: %s", resp.StatusCode, e.Error)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("reading the admin API's answer: %w", err)
	}
	return nil
}

// adminCommand loads the configuration for the command called name,
// checks its arguments with check (nil: there must be none), and returns
// a client of its admin API.
func adminCommand(env cliEnv, name string, args []string, extra func(*pflag.FlagSet), check func(*pflag.FlagSet) error) (*adminClient, *pflag.FlagSet, error) {
	cfg, fs, err := loadConfig(env, name, 0, args, extra)
	if err != nil {
		return nil, nil, err
	}
	if check == nil && fs.NArg() > 0 {
		return nil, nil, badUsage(name, "takes no arguments")
	}
	if check != nil {
		if err := check(fs); err != nil {
			return nil, nil, err
		}
	}
	c, err := newAdminClient(cfg)
	return c, fs, err
}

func statusCmd(ctx context.Context, env cliEnv, args []string) error {
	var asJSON bool
	c, _, err := adminCommand(env, "status", args, func(fs *pflag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the API's JSON answer")
	}, nil)
	if err != nil {
		return err
	}
	var st admin.Status
	if err := c.call(ctx, "GET", "/api/status", nil, &st); err != nil {
		return err
	}
	if asJSON {
		return printJSON(env.stdout, st)
	}
	fmt.Fprintf(env.stdout, "%s\ndomain %s, up %s (since %s)\n%d sessions, %d client connections, %d accounts, %d of %d plugins running\n",
		st.Version, st.Domain, (time.Duration(st.UptimeSeconds) * time.Second).String(), st.Started.Format(time.RFC3339),
		st.Sessions, st.Connections, st.Accounts, st.PluginsRunning, st.Plugins)
	return nil
}

func sessionsCmd(ctx context.Context, env cliEnv, args []string) error {
	var asJSON bool
	var kick string
	c, _, err := adminCommand(env, "sessions", args, func(fs *pflag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the API's JSON answer")
		fs.StringVar(&kick, "kick", "", "end the session of this full JID, or every session of this bare JID")
	}, nil)
	if err != nil {
		return err
	}
	if kick != "" {
		var ended struct {
			JID   string
			Ended int
		}
		if err := c.call(ctx, "POST", "/api/sessions/kick", map[string]string{"jid": kick}, &ended); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "ended %d sessions of %s\n", ended.Ended, ended.JID)
		return nil
	}
	var list struct{ Sessions []admin.Session }
	if err := c.call(ctx, "GET", "/api/sessions", nil, &list); err != nil {
		return err
	}
	if asJSON {
		return printJSON(env.stdout, list)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JID\tADDRESS\tSINCE\tENCRYPTED")
	for _, s := range list.Sessions {
		addr := s.Address
		if s.Node != "" {
			addr = "on node " + s.Node
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", s.JID, addr, s.Since.Local().Format(time.DateTime), s.Secure)
	}
	return tw.Flush()
}

func broadcastCmd(ctx context.Context, env cliEnv, args []string) error {
	var msg string
	c, _, err := adminCommand(env, "broadcast", args, nil, func(fs *pflag.FlagSet) error {
		msg = strings.Join(fs.Args(), " ")
		if strings.TrimSpace(msg) == "" {
			return badUsage("broadcast", "expected the message to send")
		}
		return nil
	})
	if err != nil {
		return err
	}
	var sent struct{ Delivered int }
	if err := c.call(ctx, "POST", "/api/broadcast", map[string]string{"message": msg}, &sent); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "sent to %d sessions\n", sent.Delivered)
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
