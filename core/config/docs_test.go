package config

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
)

const (
	docsPath    = "../../docs/config.md"
	examplePath = "../../switchboard.example.yaml"
)

// docRow is one row of a key table in docs/config.md.
type docRow struct{ typ, def, env string }

func readDocRows(t *testing.T) map[string]docRow {
	t.Helper()
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]docRow{}
	for line := range strings.Lines(string(b)) {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) != 7 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue // not a row of a five-column key table
		}
		unquote := func(i int) string { return strings.Trim(strings.TrimSpace(cells[i]), "`") }
		rows[unquote(1)] = docRow{typ: unquote(2), def: unquote(3), env: unquote(5)}
	}
	return rows
}

// defaultValues flattens Default() to key → value.
func defaultValues() map[string]any {
	out := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			out[prefix+k] = v
		}
	}
	walk("", toMap(reflect.ValueOf(Default()).Elem()))
	return out
}

// docDefault renders a default the way docs/config.md writes it.
func docDefault(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case time.Duration:
		// 10m rather than 10m0s.
		s := x.String()
		if strings.HasSuffix(s, "m0s") {
			s = s[:len(s)-2]
		}
		if strings.HasSuffix(s, "h0m") {
			s = s[:len(s)-2]
		}
		return s
	case []string:
		return strings.Join(x, ", ")
	}
	return fmt.Sprint(v)
}

func TestDocsListEveryKey(t *testing.T) {
	rows := readDocRows(t)
	defaults := defaultValues()
	documented := map[string]bool{}
	for _, k := range knownKeys() {
		key := k.key()
		documented[key] = true
		row, ok := rows[key]
		if !ok {
			t.Errorf("docs/config.md has no table row for %s", key)
			continue
		}
		if row.typ != k.kind.String() {
			t.Errorf("docs/config.md: %s has type %q, want %q", key, row.typ, k.kind)
		}
		if row.env != k.env() {
			t.Errorf("docs/config.md: %s has variable %q, want %q", key, row.env, k.env())
		}
		if v, ok := defaults[key]; ok && row.def != docDefault(v) {
			t.Errorf("docs/config.md: %s has default %q, Default() says %q", key, row.def, docDefault(v))
		}
	}
	for key := range rows {
		if !documented[key] {
			t.Errorf("docs/config.md documents %s, which is not a key", key)
		}
	}
	if len(defaults) == 0 {
		t.Fatal("Default() flattened to no keys")
	}
	for key := range defaults {
		if !documented[key] {
			t.Errorf("Default() has %s, which knownKeys does not list", key)
		}
	}
}

func TestExampleLoadsAndValidates(t *testing.T) {
	c, err := Load(examplePath, nil, nil)
	wantErrors(t, err)
	wantErrors(t, c.Validate())

	// The example states the defaults, so it cannot drift from them either.
	c.Plugins, c.Components = Default().Plugins, Default().Components
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("switchboard.example.yaml differs from Default():\n got %+v\nwant %+v", c, Default())
	}
}

func TestExampleMentionsEveryKey(t *testing.T) {
	b, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := yaml.Parser().Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range knownKeys() {
		if !hasPath(raw, k.path) {
			t.Errorf("switchboard.example.yaml does not set %s", k.key())
		}
	}
}

// hasPath reports whether m holds path; namePlaceholder matches any entry.
func hasPath(m map[string]any, path []string) bool {
	if path[0] == namePlaceholder {
		for _, v := range m {
			if sub, ok := v.(map[string]any); ok && hasPath(sub, path[1:]) {
				return true
			}
		}
		return false
	}
	v, ok := m[path[0]]
	if !ok || len(path) == 1 {
		return ok
	}
	sub, ok := v.(map[string]any)
	return ok && hasPath(sub, path[1:])
}
