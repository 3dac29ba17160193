package config

import (
	"reflect"
	"testing"
)

func TestKnownKeys(t *testing.T) {
	want := map[string]kind{
		"domain":                 kindString,
		"listen.c2s_tls":         kindString,
		"tls.required":           kindBool,
		"auth.mechanisms":        kindStrings,
		"auth.max_failures":      kindInt,
		"limits.idle_timeout":    kindDuration,
		"plugins.<name>.enabled": kindOptBool,
		"plugins.<name>.config":  kindFreeform,
	}
	got := map[string]kind{}
	for _, k := range knownKeys() {
		got[k.key()] = k.kind
	}
	for key, kind := range want {
		if got[key] != kind {
			t.Errorf("%s has kind %s, want %s", key, got[key], kind)
		}
	}
}

func TestSchemaRejectsUnsupportedTypes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("schemaOf accepted a float field")
		}
	}()
	schemaOf(reflect.TypeFor[struct {
		Ratio float64 `koanf:"ratio"`
	}]())
}
