package config

import (
	"fmt"
	"slices"
	"strings"
)

const (
	envPrefix = "SWITCHBOARD_"
	// envNamedSep separates the segments below a named section
	// (SWITCHBOARD_PLUGINS__VCARD__ENABLED), where a single underscore may
	// belong to a plugin name or a free-form key.
	envNamedSep = "__"
)

// EnvConfigFile is the one SWITCHBOARD_ variable that is not a key. It is left
// to the command line for naming the config file; Load ignores it.
const EnvConfigFile = "SWITCHBOARD_CONFIG"

// envLayer reads the SWITCHBOARD_ variables of environ (os.Environ() style)
// into a nested map of typed values. Problems name the variable.
func envLayer(root *node, environ []string) (map[string]any, []error) {
	table := map[string]keyInfo{}
	for _, k := range knownKeys() {
		table[k.env()] = k // keys below a named section hold "<NAME>" and never match a real variable
	}
	out := map[string]any{}
	var errs []error
	for _, kv := range environ {
		name, raw, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) || name == EnvConfigFile {
			continue
		}
		path, k, err := resolveEnv(root, table, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s: %w", name, err))
			continue
		}
		v, err := coerce(k, raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s (%s): %w", name, strings.Join(path, "."), err))
			continue
		}
		setPath(out, path, v)
	}
	return out, errs
}

// resolveEnv maps a variable name to its key path and the kind to parse the
// value as.
func resolveEnv(root *node, table map[string]keyInfo, name string) ([]string, kind, error) {
	if k, ok := table[name]; ok {
		return k.path, k.kind, nil
	}
	for _, section := range root.order {
		n := root.children[section]
		prefix := envPrefix + strings.ToUpper(section) + envNamedSep
		if n.kind == kindNamed && strings.HasPrefix(name, prefix) {
			return resolveNamedEnv(n.elem, section, strings.TrimPrefix(name, prefix))
		}
	}
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	if s := closest(name, names); s != "" {
		return nil, 0, fmt.Errorf("unknown variable (did you mean %s?)", s)
	}
	if strings.HasPrefix(name, envPrefix+"PLUGINS_") {
		return nil, 0, fmt.Errorf("unknown variable (plugin settings are written SWITCHBOARD_PLUGINS__<NAME>__<KEY>, with double underscores)")
	}
	return nil, 0, fmt.Errorf("unknown variable")
}

// resolveNamedEnv resolves rest ("VCARD__ENABLED", "MOTD__CONFIG__MESSAGE")
// below the named section called section, whose entries are elem.
func resolveNamedEnv(elem *node, section, rest string) ([]string, kind, error) {
	segs := strings.Split(strings.ToLower(rest), envNamedSep)
	if slices.Contains(segs, "") {
		return nil, 0, fmt.Errorf("empty segment between double underscores")
	}
	if len(segs) < 2 {
		return nil, 0, fmt.Errorf("names a %s entry but no key (add %s<KEY>)", section, envNamedSep)
	}
	child, ok := elem.children[segs[1]]
	if !ok {
		if s := closest(segs[1], elem.order); s != "" {
			return nil, 0, fmt.Errorf("unknown key %q (did you mean %s?)", segs[1], strings.ToUpper(s))
		}
		return nil, 0, fmt.Errorf("unknown key %q (known: %s)", segs[1], strings.ToUpper(strings.Join(elem.order, ", ")))
	}
	path := append([]string{section}, segs...)
	if child.kind == kindFreeform {
		if len(segs) < 3 {
			return nil, 0, fmt.Errorf("%s is a mapping; set one key of it with %s<KEY>", strings.ToUpper(segs[1]), envNamedSep)
		}
		return path, kindString, nil // free-form values reach the plugin as strings
	}
	if len(segs) > 2 {
		return nil, 0, fmt.Errorf("%s takes no sub-keys", strings.ToUpper(segs[1]))
	}
	return path, child.kind, nil
}
