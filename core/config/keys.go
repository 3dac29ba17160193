package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// kind is the shape of a configuration value, derived from the Go type of its
// field so that the structs stay the only list of keys.
type kind int

const (
	kindSection  kind = iota // a struct: nested keys
	kindNamed                // map[string]struct: one section per name (plugins)
	kindFreeform             // map[string]any: passed on untouched
	kindString
	kindBool
	kindOptBool // *bool: unset means "the default"
	kindInt
	kindDuration
	kindStrings
)

// String names the kind as docs/config.md writes it in the type column.
func (k kind) String() string {
	switch k {
	case kindSection, kindNamed:
		return "section"
	case kindFreeform:
		return "mapping"
	case kindBool, kindOptBool:
		return "bool"
	case kindInt:
		return "int"
	case kindDuration:
		return "duration"
	case kindStrings:
		return "list of strings"
	default:
		return "string"
	}
}

// node is one level of the key tree.
type node struct {
	kind     kind
	children map[string]*node // kindSection
	order    []string         // the children's names in declaration order
	elem     *node            // kindNamed: the section that each name holds
}

// namePlaceholder stands for the name of an entry of a named section
// (plugins.<name>.enabled) in listings.
const namePlaceholder = "<name>"

// schema returns the key tree of Config.
func schema() *node { return schemaOf(reflect.TypeFor[Config]()) }

func schemaOf(t reflect.Type) *node {
	if t == reflect.TypeFor[time.Duration]() {
		return &node{kind: kindDuration}
	}
	switch t.Kind() {
	case reflect.String:
		return &node{kind: kindString}
	case reflect.Bool:
		return &node{kind: kindBool}
	case reflect.Int:
		return &node{kind: kindInt}
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Bool {
			return &node{kind: kindOptBool}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return &node{kind: kindStrings}
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.Interface {
			return &node{kind: kindFreeform}
		}
		if t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.Struct {
			return &node{kind: kindNamed, elem: schemaOf(t.Elem())}
		}
	case reflect.Struct:
		n := &node{kind: kindSection, children: map[string]*node{}}
		for f := range t.Fields() {
			name := f.Tag.Get("koanf")
			n.children[name] = schemaOf(f.Type)
			n.order = append(n.order, name)
		}
		return n
	}
	panic(fmt.Sprintf("config: no key kind for Go type %s", t))
}

// keyInfo is one leaf key, for listings: the environment table and the
// documentation test.
type keyInfo struct {
	path []string // may hold namePlaceholder
	kind kind
}

func (k keyInfo) key() string { return strings.Join(k.path, ".") }

// env is the environment variable that sets the key. Below a named section
// segments are separated by a double underscore, because names and free-form
// keys are not known in advance and may themselves contain underscores.
func (k keyInfo) env() string {
	var b strings.Builder
	b.WriteString(envPrefix)
	named := false
	for i, p := range k.path {
		named = named || p == namePlaceholder
		switch {
		case i == 0:
		case named:
			b.WriteString(envNamedSep)
		default:
			b.WriteString("_")
		}
		if p == namePlaceholder {
			b.WriteString("<NAME>")
		} else {
			b.WriteString(strings.ToUpper(p))
		}
	}
	if k.kind == kindFreeform {
		b.WriteString(envNamedSep + "<KEY>")
	}
	return b.String()
}

// knownKeys lists every leaf key in declaration order.
func knownKeys() []keyInfo { return schema().leaves(nil, nil) }

func (n *node) leaves(prefix []string, out []keyInfo) []keyInfo {
	switch n.kind {
	case kindSection:
		for _, name := range n.order {
			out = n.children[name].leaves(extend(prefix, name), out)
		}
	case kindNamed:
		out = n.elem.leaves(extend(prefix, namePlaceholder), out)
	default:
		out = append(out, keyInfo{path: prefix, kind: n.kind})
	}
	return out
}

// paths lists every key, sections included, with name standing in for the
// entry name of named sections; these are the candidates for suggestions.
func (n *node) paths(prefix []string, name string, out []string) []string {
	if len(prefix) > 0 {
		out = append(out, strings.Join(prefix, "."))
	}
	switch n.kind {
	case kindSection:
		for _, c := range n.order {
			out = n.children[c].paths(extend(prefix, c), name, out)
		}
	case kindNamed:
		out = n.elem.paths(extend(prefix, name), name, out)
	}
	return out
}

// extend returns path+seg without sharing path's backing array, so sibling
// paths built from one prefix never overwrite each other.
func extend(path []string, seg string) []string {
	out := make([]string, len(path), len(path)+1)
	copy(out, path)
	return append(out, seg)
}
