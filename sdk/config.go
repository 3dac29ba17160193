package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/hashicorp/go-hclog"
)

// Config is what Configure receives.
type Config struct {
	// Domain is the XMPP domain the server serves: with several hosted
	// domains, the primary one, in which the server speaks for itself.
	Domain string
	// Domains are every domain the server hosts (virtual hosts), Domain
	// first. Each has its own accounts; users of all of them are local.
	Domains []string
	// Host is the core's services, valid until the next Configure.
	Host Host
	// Logger goes to the server's log under the plugin's name.
	Logger hclog.Logger
	// ServerStarted is when the server (not this plugin process) started,
	// for uptime (XEP-0012).
	ServerStarted time.Time
	// ServiceDomain is the domain a service plugin owns (Description.Service):
	// plugins.<name>.domain in the server's config, or Subdomain.Domain.
	ServiceDomain string

	raw []byte // the plugin's section, as JSON
}

// Validator is implemented by a config type that checks itself; Decode
// calls it.
type Validator interface {
	Validate() error
}

// Decode decodes the plugin's config section into v, a pointer to the
// plugin's config struct whose fields carry `json` tags, and then calls
// v.Validate if v has one.
//
//   - A key that v has no field for is an error naming the key, so that a
//     typo in the server's config does not pass silently.
//   - A string is accepted for a number, a bool or a time.Duration ("30s"):
//     values set through environment variables arrive as strings, and a
//     duration reads best that way in YAML too.
//   - An absent or empty section leaves v as it was, so fill in defaults
//     before calling; Validate still runs.
func (c Config) Decode(v any) error {
	var section map[string]any
	if raw := bytes.TrimSpace(c.raw); len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // see numberHook
		if err := dec.Decode(&section); err != nil {
			return fmt.Errorf("decoding config: %w", err)
		}
	}
	if len(section) > 0 {
		var md mapstructure.Metadata
		d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
			DecodeHook: mapstructure.ComposeDecodeHookFunc(
				numberHook,
				mapstructure.StringToTimeDurationHookFunc(),
				mapstructure.StringToBasicTypeHookFunc(),
				mapstructure.TextUnmarshallerHookFunc(),
			),
			Metadata: &md,
			TagName:  "json",
			Result:   v,
		})
		if err != nil {
			return fmt.Errorf("decoding config: %w", err)
		}
		if err := d.Decode(section); err != nil {
			if inner := errors.Unwrap(err); inner != nil {
				err = inner // without mapstructure's "decoding failed due to…" preamble
			}
			return fmt.Errorf("decoding config: %w", err)
		}
		if len(md.Unused) > 0 {
			return unknownKeys(md.Unused)
		}
	}
	if val, ok := v.(Validator); ok {
		if err := val.Validate(); err != nil {
			return fmt.Errorf("invalid config: %w", err)
		}
	}
	return nil
}

// unknownKeys names every key the config struct has no field for, nested
// ones by their path ("limits.max_size").
func unknownKeys(keys []string) error {
	slices.Sort(keys)
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = strconv.Quote(k)
	}
	noun := "key"
	if len(keys) > 1 {
		noun = "keys"
	}
	return fmt.Errorf("decoding config: unknown %s %s", noun, strings.Join(quoted, ", "))
}

// numberHook converts a JSON number to the kind of its field before
// anything else sees it: mapstructure would truncate 1.5 into an int
// silently, and its string hooks mistake a json.Number for a string.
func numberHook(_ reflect.Type, to reflect.Type, data any) (any, error) {
	n, ok := data.(json.Number)
	if !ok {
		return data, nil
	}
	switch to.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return n.Int64()
	case reflect.String:
		return n.String(), nil
	}
	return n.Float64()
}
