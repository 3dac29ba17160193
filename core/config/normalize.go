package config

import (
	"fmt"
	"slices"
	"strings"
)

// normalize checks one layer (a nested map as a parser or provider returns
// it) against the schema and converts every value to the Go type of its key.
// The result holds only the keys that passed; every problem is returned,
// each prefixed with source so the user knows where to look.
func normalize(root *node, in map[string]any, source string) (map[string]any, []error) {
	w := walker{root: root, source: source}
	return w.section(root, in, nil, namePlaceholder), w.errs
}

type walker struct {
	root   *node
	source string
	errs   []error
}

func (w *walker) fail(err error) {
	if w.source != "" {
		err = fmt.Errorf("%s: %w", w.source, err)
	}
	w.errs = append(w.errs, err)
}

// section walks the keys of a section or named section n. name is the entry
// name of the enclosing named section, for suggestions.
func (w *walker) section(n *node, in map[string]any, path []string, name string) map[string]any {
	out := make(map[string]any, len(in))
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report problems in a stable order
	for _, k := range keys {
		p, v, child, childName := extend(path, k), in[k], n.children[k], name
		if n.kind == kindNamed {
			child, childName = n.elem, k
			if v == nil {
				v = map[string]any{} // "vcard:" with nothing below still names a plugin
			}
		}
		if child == nil {
			w.fail(unknownKeyError(p, w.root.paths(nil, name, nil)))
			continue
		}
		if v, ok := w.value(child, v, p, childName); ok {
			out[k] = v
		}
	}
	return out
}

func (w *walker) value(n *node, v any, path []string, name string) (any, bool) {
	key := strings.Join(path, ".")
	switch n.kind {
	case kindSection, kindNamed:
		if v == nil {
			return nil, false
		}
		m, ok := v.(map[string]any)
		if !ok {
			w.fail(fmt.Errorf("%s: must be a section of keys, got %s", key, describe(v)))
			return nil, false
		}
		return w.section(n, m, path, name), true
	case kindFreeform:
		if v == nil {
			return nil, false
		}
		if _, ok := v.(map[string]any); !ok {
			w.fail(fmt.Errorf("%s: must be a mapping, got %s", key, describe(v)))
			return nil, false
		}
		return v, true
	}
	c, err := coerce(n.kind, v)
	if err != nil {
		w.fail(fmt.Errorf("%s: %w", key, err))
		return nil, false
	}
	return c, c != nil
}

// setPath stores v at path in the nested map m, creating sections on the way.
// A value in the way is replaced: the later setting wins.
func setPath(m map[string]any, path []string, v any) {
	for _, seg := range path[:len(path)-1] {
		next, ok := m[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[seg] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}
