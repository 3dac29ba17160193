package config

import (
	"reflect"
	"testing"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(*Config) bool
	}{
		{"none set leaves the file", nil, func(c *Config) bool {
			return c.Domain == "file.example" && c.Listen.C2S == "10.0.0.1:5222" && c.Log.Level == "warn"
		}},
		{"domain", []string{"--domain=flag.example"}, func(c *Config) bool { return c.Domain == "flag.example" && c.Log.Level == "warn" }},
		{"data dir", []string{"--data-dir", "/srv"}, func(c *Config) bool { return c.DataDir == "/srv" }},
		{"listen c2s", []string{"--listen-c2s=:5222"}, func(c *Config) bool { return c.Listen.C2S == ":5222" }},
		{"listen c2s tls set empty disables", []string{"--listen-c2s-tls="}, func(c *Config) bool { return c.Listen.C2STLS == "" }},
		{"log level", []string{"--log-level=debug"}, func(c *Config) bool { return c.Log.Level == "debug" }},
		{"storage", []string{"--storage-driver=sqlite", "--storage-dsn=file:/tmp/x.db"},
			func(c *Config) bool { return c.Storage.DSN == "file:/tmp/x.db" && c.StorageDSN() == "file:/tmp/x.db" }},
		{"config flag is not a key", []string{"--config=/etc/x.yaml"}, func(c *Config) bool { return c.Domain == "file.example" }},
	}
	path := writeConfig(t, "domain: file.example\nlisten:\n  c2s: 10.0.0.1:5222\nlog:\n  level: warn\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(path, nil, parsedFlags(t, tt.args...))
			wantErrors(t, err)
			if !tt.check(c) {
				t.Errorf("unexpected config from %q: %+v", tt.args, c)
			}
		})
	}
}

func TestRegisterFlagsNamesKeys(t *testing.T) {
	fs := parsedFlags(t)
	got := map[string]string{}
	for _, name := range []string{"domain", "data-dir", "listen-c2s", "listen-c2s-tls", "log-level", "storage-driver", "storage-dsn"} {
		f := fs.Lookup(name)
		if f == nil {
			t.Fatalf("flag --%s not registered", name)
		}
		got[name] = f.Annotations[flagKeyAnnotation][0]
	}
	want := map[string]string{
		"domain": "domain", "data-dir": "data_dir", "listen-c2s": "listen.c2s", "listen-c2s-tls": "listen.c2s_tls",
		"log-level": "log.level", "storage-driver": "storage.driver", "storage-dsn": "storage.dsn",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("flag keys = %v, want %v", got, want)
	}
}
