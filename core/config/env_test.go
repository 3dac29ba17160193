package config

import (
	"reflect"
	"testing"
	"time"
)

func TestEnvMapping(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		check func(*Config) bool
	}{
		{"underscore inside a key stays one segment", []string{"SWITCHBOARD_LISTEN_C2S_TLS=0.0.0.0:5223"},
			func(c *Config) bool { return c.Listen.C2STLS == "0.0.0.0:5223" && c.Listen.C2S == Default().Listen.C2S }},
		{"top-level key with underscore", []string{"SWITCHBOARD_DATA_DIR=/srv/sb"}, func(c *Config) bool { return c.DataDir == "/srv/sb" }},
		{"duration", []string{"SWITCHBOARD_LIMITS_IDLE_TIMEOUT=30s"}, func(c *Config) bool { return c.Limits.IdleTimeout == 30*time.Second }},
		{"int", []string{"SWITCHBOARD_LIMITS_MAX_STANZA_BYTES=65536"}, func(c *Config) bool { return c.Limits.MaxStanzaBytes == 65536 }},
		{"bool", []string{"SWITCHBOARD_AUTH_ANONYMOUS=true"}, func(c *Config) bool { return c.Auth.Anonymous }},
		{"list", []string{"SWITCHBOARD_AUTH_MECHANISMS=SCRAM-SHA-256,PLAIN"},
			func(c *Config) bool { return reflect.DeepEqual(c.Auth.Mechanisms, []string{"SCRAM-SHA-256", "PLAIN"}) }},
		{"empty value disables", []string{"SWITCHBOARD_LISTEN_C2S="}, func(c *Config) bool { return c.Listen.C2S == "" }},
		{"plugin enabled", []string{"SWITCHBOARD_PLUGINS__VCARD__ENABLED=false"}, func(c *Config) bool {
			p, ok := c.Plugins["vcard"]
			return ok && p.Enabled != nil && !*p.Enabled
		}},
		{"plugin config", []string{"SWITCHBOARD_PLUGINS__MOTD__CONFIG__MESSAGE=hi"},
			func(c *Config) bool {
				return reflect.DeepEqual(c.Plugins["motd"].Config, map[string]any{"message": "hi"})
			}},
		{"plugin name with underscore", []string{"SWITCHBOARD_PLUGINS__MY_PLUGIN__PATH=/opt/p"},
			func(c *Config) bool { return c.Plugins["my_plugin"].Path == "/opt/p" }},
		{"nested plugin config", []string{"SWITCHBOARD_PLUGINS__MOTD__CONFIG__A__B=1"},
			func(c *Config) bool {
				return reflect.DeepEqual(c.Plugins["motd"].Config, map[string]any{"a": map[string]any{"b": "1"}})
			}},
		{"config file variable is not a key", []string{EnvConfigFile + "=/etc/sb.yaml"},
			func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"other variables ignored", []string{"HOME=/root", "SWITCHBOARDX=1", "NOEQUALS"},
			func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"last one wins", []string{"SWITCHBOARD_DOMAIN=a.example", "SWITCHBOARD_DOMAIN=b.example"},
			func(c *Config) bool { return c.Domain == "b.example" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("", tt.env, nil)
			wantErrors(t, err)
			if !tt.check(c) {
				t.Errorf("unexpected config from %q: %+v", tt.env, c)
			}
		})
	}
}

func TestEnvMergesWithFile(t *testing.T) {
	path := writeConfig(t, "plugins:\n  motd:\n    path: /opt/motd\n    config:\n      message: from file\n      colour: red\n")
	c, err := Load(path, []string{"SWITCHBOARD_PLUGINS__MOTD__CONFIG__MESSAGE=from env"}, nil)
	wantErrors(t, err)
	want := Plugin{Path: "/opt/motd", Config: map[string]any{"message": "from env", "colour": "red"}}
	if !reflect.DeepEqual(c.Plugins["motd"], want) {
		t.Errorf("plugins.motd = %+v, want %+v", c.Plugins["motd"], want)
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"unknown with suggestion", []string{"SWITCHBOARD_LISTEN_C2STLS=x"},
			[]string{"environment variable SWITCHBOARD_LISTEN_C2STLS: unknown variable (did you mean SWITCHBOARD_LISTEN_C2S_TLS?)"}},
		{"unknown", []string{"SWITCHBOARD_FAVOURITE_COLOUR=blue"}, []string{"SWITCHBOARD_FAVOURITE_COLOUR: unknown variable"}},
		{"single underscore plugin", []string{"SWITCHBOARD_PLUGINS_VCARD_ENABLED=false"},
			[]string{"SWITCHBOARD_PLUGINS_VCARD_ENABLED: unknown variable", "SWITCHBOARD_PLUGINS__<NAME>__<KEY>"}},
		{"unknown plugin key", []string{"SWITCHBOARD_PLUGINS__VCARD__ENABLD=false"},
			[]string{`SWITCHBOARD_PLUGINS__VCARD__ENABLD: unknown key "enabld" (did you mean ENABLED?)`}},
		{"plugin without key", []string{"SWITCHBOARD_PLUGINS__VCARD=1"}, []string{"SWITCHBOARD_PLUGINS__VCARD: names a plugins entry but no key"}},
		{"plugin config without key", []string{"SWITCHBOARD_PLUGINS__VCARD__CONFIG=1"}, []string{"SWITCHBOARD_PLUGINS__VCARD__CONFIG: CONFIG is a mapping"}},
		{"plugin leaf with sub-key", []string{"SWITCHBOARD_PLUGINS__VCARD__PATH__X=1"}, []string{"SWITCHBOARD_PLUGINS__VCARD__PATH__X: PATH takes no sub-keys"}},
		{"empty segment", []string{"SWITCHBOARD_PLUGINS__VCARD____ENABLED=1"}, []string{"SWITCHBOARD_PLUGINS__VCARD____ENABLED: empty segment"}},
		{"bool", []string{"SWITCHBOARD_TLS_REQUIRED=maybe"},
			[]string{`environment variable SWITCHBOARD_TLS_REQUIRED (tls.required): "maybe" is not a boolean`}},
		{"int", []string{"SWITCHBOARD_AUTH_MAX_FAILURES=three"},
			[]string{`environment variable SWITCHBOARD_AUTH_MAX_FAILURES (auth.max_failures): "three" is not an integer`}},
		{"duration", []string{"SWITCHBOARD_LIMITS_IDLE_TIMEOUT=ten minutes"},
			[]string{`SWITCHBOARD_LIMITS_IDLE_TIMEOUT (limits.idle_timeout): "ten minutes" is not a duration`}},
		{"plugin bool", []string{"SWITCHBOARD_PLUGINS__VCARD__ENABLED=off-ish"},
			[]string{`SWITCHBOARD_PLUGINS__VCARD__ENABLED (plugins.vcard.enabled): "off-ish" is not a boolean`}},
		{"all reported", []string{"SWITCHBOARD_AUTH_MAX_FAILURES=x", "SWITCHBOARD_NOPE=1"},
			[]string{"SWITCHBOARD_AUTH_MAX_FAILURES", "SWITCHBOARD_NOPE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", tt.env, nil)
			wantErrors(t, err, tt.want...)
		})
	}
}

func TestEnvNamesAreUnique(t *testing.T) {
	seen := map[string]string{}
	for _, k := range knownKeys() {
		if other, ok := seen[k.env()]; ok {
			t.Errorf("%s and %s share the variable %s", k.key(), other, k.env())
		}
		seen[k.env()] = k.key()
	}
	for env, want := range map[string]string{
		"SWITCHBOARD_LISTEN_C2S_TLS":                 "listen.c2s_tls",
		"SWITCHBOARD_PLUGINS__<NAME>__ENABLED":       "plugins.<name>.enabled",
		"SWITCHBOARD_PLUGINS__<NAME>__CONFIG__<KEY>": "plugins.<name>.config",
	} {
		if seen[env] != want {
			t.Errorf("variable %s sets %q, want %q", env, seen[env], want)
		}
	}
}
