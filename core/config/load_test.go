package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedence(t *testing.T) {
	const file = "domain: file.example\nlimits:\n  idle_timeout: 1m\nauth:\n  mechanisms: [PLAIN]\n"
	tests := []struct {
		name      string
		file      string
		env       []string
		args      []string
		domain    string
		idle      time.Duration
		mechanism []string
	}{
		{name: "defaults", domain: "localhost", idle: 10 * time.Minute, mechanism: knownMechanisms()},
		{name: "file over defaults", file: file, domain: "file.example", idle: time.Minute, mechanism: []string{"PLAIN"}},
		{name: "env over file", file: file,
			env:    []string{"SWITCHBOARD_DOMAIN=env.example", "SWITCHBOARD_LIMITS_IDLE_TIMEOUT=2m", "SWITCHBOARD_AUTH_MECHANISMS=SCRAM-SHA-1, SCRAM-SHA-256"},
			domain: "env.example", idle: 2 * time.Minute, mechanism: []string{"SCRAM-SHA-1", "SCRAM-SHA-256"}},
		{name: "flag over env", file: file, env: []string{"SWITCHBOARD_DOMAIN=env.example"},
			args: []string{"--domain", "flag.example"}, domain: "flag.example", idle: time.Minute, mechanism: []string{"PLAIN"}},
		{name: "unset flag leaves lower layers", file: file, env: []string{"SWITCHBOARD_DOMAIN=env.example"},
			args: []string{"--log-level=debug"}, domain: "env.example", idle: time.Minute, mechanism: []string{"PLAIN"}},
		{name: "env without file", env: []string{"SWITCHBOARD_DOMAIN=env.example"},
			domain: "env.example", idle: 10 * time.Minute, mechanism: knownMechanisms()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			c, err := Load(path, tt.env, parsedFlags(t, tt.args...))
			wantErrors(t, err)
			if c.Domain != tt.domain {
				t.Errorf("domain = %q, want %q", c.Domain, tt.domain)
			}
			if c.Limits.IdleTimeout != tt.idle {
				t.Errorf("limits.idle_timeout = %s, want %s", c.Limits.IdleTimeout, tt.idle)
			}
			if !reflect.DeepEqual(c.Auth.Mechanisms, tt.mechanism) {
				t.Errorf("auth.mechanisms = %q, want %q", c.Auth.Mechanisms, tt.mechanism)
			}
		})
	}
}

func TestLoadNothingGivesDefault(t *testing.T) {
	c, err := Load("", nil, nil)
	wantErrors(t, err)
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load with no layers = %+v, want Default() %+v", c, Default())
	}
}

func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown key with suggestion", "limits:\n  max_stanza_byte: 5000\n",
			[]string{`unknown key "limits.max_stanza_byte" (did you mean "limits.max_stanza_bytes"?)`}},
		{"unknown section with suggestion", "limit:\n  max_depth: 9\n", []string{`unknown key "limit" (did you mean "limits"?)`}},
		{"key in the wrong section", "max_resources: 4\n", []string{`unknown key "max_resources" (did you mean "limits.max_resources"?)`}},
		{"unknown key without suggestion", "colour: blue\n", []string{`unknown key "colour"`}},
		{"dotted key", "limits.max_depth: 9\n", []string{`unknown key "limits.max_depth" (write dotted keys as nested sections)`}},
		{"unknown plugin key", "plugins:\n  vcard:\n    enabeld: false\n",
			[]string{`unknown key "plugins.vcard.enabeld" (did you mean "plugins.vcard.enabled"?)`}},
		{"duration", "limits:\n  idle_timeout: ten minutes\n", []string{`limits.idle_timeout: "ten minutes" is not a duration`}},
		{"bare number duration", "limits:\n  idle_timeout: 30\n", []string{`limits.idle_timeout: 30 is not a duration (give a unit, as in "30s")`}},
		{"int", "auth:\n  max_failures: three\n", []string{`auth.max_failures: "three" is not an integer`}},
		{"fractional int", "auth:\n  max_failures: 2.5\n", []string{`auth.max_failures: 2.5 is not an integer`}},
		{"bool", "tls:\n  required: yes\n", []string{`tls.required: "yes" is not a boolean`}},
		{"string", "domain: 42\n", []string{`domain: 42 is not a string`}},
		{"list item", "auth:\n  mechanisms: [PLAIN, 7]\n", []string{`auth.mechanisms: item 2: 7 is not a string`}},
		{"section given a value", "limits: 5\n", []string{`limits: must be a section of keys, got 5`}},
		{"plugin config not a mapping", "plugins:\n  motd:\n    config: hello\n", []string{`plugins.motd.config: must be a mapping, got "hello"`}},
		{"yaml syntax names file and line", "domain: a\nlog: x\n  level: debug\n", []string{"switchboard.yaml", "line 3"}},
		{"all problems at once", "domian: x\nlimits:\n  max_depth: deep\n  idle_timeout: soon\n",
			[]string{`unknown key "domian" (did you mean "domain"?)`, "limits.max_depth:", "limits.idle_timeout:"}},
		{"range errors with the unknown keys", "colour: blue\nlimits:\n  max_resources: -1\n",
			[]string{`unknown key "colour"`, "limits.max_resources"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.yaml)
			c, err := Load(path, nil, nil)
			wantErrors(t, err, tt.want...)
			if c != nil {
				t.Errorf("Load returned a config along with the error")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file %s:\n%v", path, err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("/nonexistent/switchboard.yaml", nil, nil)
	wantErrors(t, err, "/nonexistent/switchboard.yaml")
}

func TestLoadFileValues(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(*Config) bool
	}{
		{"empty file", "", func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"quoted number", "auth:\n  max_failures: \"4\"\n", func(c *Config) bool { return c.Auth.MaxFailures == 4 }},
		{"zero duration", "limits:\n  idle_timeout: 0\n", func(c *Config) bool { return c.Limits.IdleTimeout == 0 }},
		{"empty string disables a listener", "listen:\n  c2s_tls: \"\"\n", func(c *Config) bool { return c.Listen.C2STLS == "" && c.Listen.C2S != "" }},
		{"null leaf is the zero value", "listen:\n  c2s_tls:\n", func(c *Config) bool { return c.Listen.C2STLS == "" }},
		{"null section keeps defaults", "limits:\n", func(c *Config) bool { return reflect.DeepEqual(c.Limits, Default().Limits) }},
		{"list as a comma string", "auth:\n  mechanisms: PLAIN, SCRAM-SHA-1\n",
			func(c *Config) bool { return reflect.DeepEqual(c.Auth.Mechanisms, []string{"PLAIN", "SCRAM-SHA-1"}) }},
		{"plugin named with nothing below", "plugins:\n  vcard:\n", func(c *Config) bool {
			p, ok := c.Plugins["vcard"]
			return ok && p.Enabled == nil
		}},
		{"plugin enabled", "plugins:\n  vcard:\n    enabled: false\n", func(c *Config) bool {
			p := c.Plugins["vcard"]
			return p.Enabled != nil && !*p.Enabled
		}},
		{"plugin config untouched", "plugins:\n  muc:\n    config:\n      hosts:\n        conference.example.com: {persistent: true}\n      anyThing: [1, {a: b}]\n",
			func(c *Config) bool {
				want := map[string]any{
					"hosts":    map[string]any{"conference.example.com": map[string]any{"persistent": true}},
					"anyThing": []any{1, map[string]any{"a": "b"}},
				}
				return reflect.DeepEqual(c.Plugins["muc"].Config, want)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.yaml), nil, nil)
			wantErrors(t, err)
			if !tt.check(c) {
				t.Errorf("unexpected config from %q: %+v", tt.yaml, c)
			}
		})
	}
}

func TestStorageDSN(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"sqlite default", Config{DataDir: "/var/lib/sb", Storage: Storage{Driver: "sqlite"}}, "/var/lib/sb/switchboard.db"},
		{"explicit", Config{DataDir: "/var/lib/sb", Storage: Storage{Driver: "sqlite", DSN: "file:x.db"}}, "file:x.db"},
		{"other driver", Config{DataDir: "/var/lib/sb", Storage: Storage{Driver: "postgres"}}, ""},
	}
	for _, tt := range tests {
		if got := tt.c.StorageDSN(); got != tt.want {
			t.Errorf("%s: StorageDSN() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
