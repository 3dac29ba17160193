package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/maps"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// Load builds the configuration from its layers: Default, then the YAML file
// at path (skipped when path is ""), then the SWITCHBOARD_ variables of
// environ (os.Environ() style), then the flags of flags that were set (flags
// may be nil). Unknown keys and values of the wrong type in any layer are
// errors; all of them are reported together. Load does not call Validate.
func Load(path string, environ []string, flags *pflag.FlagSet) (*Config, error) {
	root := schema()
	k := koanf.New(".")
	merge := func(m map[string]any) error {
		return k.Load(confmap.Provider(m, ""), nil)
	}
	if err := merge(toMap(reflect.ValueOf(Default()).Elem())); err != nil {
		return nil, fmt.Errorf("loading defaults: %w", err)
	}

	var errs []error
	layer := func(m map[string]any, problems []error, source string) {
		m, more := normalize(root, m, source)
		errs = append(errs, problems...)
		errs = append(errs, more...)
		if err := merge(m); err != nil {
			errs = append(errs, fmt.Errorf("merging %s: %w", source, err))
		}
	}
	if path != "" {
		m, err := readFile(path)
		if err != nil {
			errs = append(errs, err)
		}
		layer(m, nil, path)
	}
	m, problems := envLayer(root, environ)
	layer(m, problems, "")
	if flags != nil {
		m, err := flagLayer(flags)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading flags: %w", err))
		}
		layer(m, nil, "command line")
	}
	var c Config
	err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		// Every value already has its key's type; the hook is kept so that a
		// caller's extra flag given as a string still decodes into a duration.
		DecodeHook: mapstructure.StringToTimeDurationHookFunc(),
		TagName:    "koanf",
	}})
	if err != nil {
		return nil, errors.Join(append(errs, fmt.Errorf("decoding configuration: %w", err))...)
	}
	if c.Plugins == nil {
		c.Plugins = map[string]Plugin{}
	}
	if len(c.Domains) > 0 && c.Domain == Default().Domain && !slices.Contains(c.Domains, c.Domain) {
		// domains: alone names the primary domain first.
		c.Domain = c.Domains[0]
	}
	if len(errs) > 0 {
		// The keys in error were left out; what remains is checked now,
		// so that one run names every mistake, not the range errors only
		// once the unknown keys are fixed.
		return nil, errors.Join(append(errs, c.Validate())...)
	}
	return &c, nil
}

// readFile parses the YAML file at path into a nested map.
func readFile(path string) (map[string]any, error) {
	b, err := file.Provider(path).ReadBytes()
	if err != nil {
		return nil, fmt.Errorf("reading config file: %w", err)
	}
	m, err := yaml.Parser().Unmarshal(b)
	if err != nil {
		// yaml's message carries the line: "yaml: line 3: …".
		return nil, fmt.Errorf("parsing config file %s: %w", path, err)
	}
	if m == nil {
		return map[string]any{}, nil // an empty file
	}
	maps.IntfaceKeysToStrings(m)
	return m, nil
}

// toMap turns a struct with koanf tags into the nested map koanf layers are
// made of; empty maps and nil pointers are left out.
func toMap(v reflect.Value) map[string]any {
	out := map[string]any{}
	for f, fv := range v.Fields() {
		switch {
		case fv.Kind() == reflect.Struct:
			out[f.Tag.Get("koanf")] = toMap(fv)
		case (fv.Kind() == reflect.Map || fv.Kind() == reflect.Pointer) && fv.IsNil():
		case fv.Kind() == reflect.Map && fv.Type().Elem().Kind() == reflect.Struct:
			entries := map[string]any{}
			for it := fv.MapRange(); it.Next(); {
				entries[it.Key().String()] = toMap(it.Value())
			}
			out[f.Tag.Get("koanf")] = entries
		case fv.Kind() == reflect.Pointer:
			out[f.Tag.Get("koanf")] = fv.Elem().Interface()
		default:
			out[f.Tag.Get("koanf")] = fv.Interface()
		}
	}
	return out
}
