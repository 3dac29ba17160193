package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// coerce converts a value from YAML, the environment or a flag to the Go type
// of a key of kind k. Strings are parsed for every kind, so the environment
// and a quoted YAML value behave the same. A nil result with a nil error
// means "leave the key unset" (an optional bool written as null).
func coerce(k kind, v any) (any, error) {
	switch k {
	case kindString:
		return toString(v)
	case kindBool:
		if v == nil {
			return false, nil
		}
		return toBool(v)
	case kindOptBool:
		if v == nil {
			return nil, nil
		}
		return toBool(v)
	case kindInt:
		return toInt(v)
	case kindDuration:
		return toDuration(v)
	case kindStrings:
		return toStrings(v)
	}
	return nil, fmt.Errorf("cannot take %s here", describe(v))
}

func toString(v any) (any, error) {
	switch s := v.(type) {
	case nil:
		return "", nil
	case string:
		return s, nil
	}
	return nil, fmt.Errorf("%s is not a string (quote it)", describe(v))
}

func toBool(v any) (any, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		if p, err := strconv.ParseBool(strings.TrimSpace(b)); err == nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%s is not a boolean (true or false)", describe(v))
}

func toInt(v any) (any, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		if n >= math.MinInt && n <= math.MaxInt {
			return int(n), nil
		}
	case uint64:
		if n <= math.MaxInt {
			return int(n), nil
		}
	case float64:
		// YAML reads 2.5e5 as a float; accept it when it is a whole number.
		if n == math.Trunc(n) && n >= math.MinInt && n <= math.MaxInt {
			return int(n), nil
		}
	case string:
		if p, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%s is not an integer", describe(v))
}

func toDuration(v any) (any, error) {
	switch d := v.(type) {
	case time.Duration:
		return d, nil
	case string:
		if p, err := time.ParseDuration(strings.TrimSpace(d)); err == nil {
			return p, nil
		}
	case int:
		// A bare number would be nanoseconds, never what was meant, except 0.
		if d == 0 {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("%d is not a duration (give a unit, as in \"%ds\")", d, d)
	}
	return nil, fmt.Errorf("%s is not a duration", describe(v))
}

// toStrings takes a YAML list or a comma-separated string (the environment's
// way of writing a list).
func toStrings(v any) (any, error) {
	switch l := v.(type) {
	case nil:
		return []string{}, nil
	case []string:
		return l, nil
	case string:
		out := []string{}
		for item := range strings.SplitSeq(l, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
		return out, nil
	case []any:
		out := make([]string, 0, len(l))
		for i, item := range l {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("item %d: %s is not a string", i+1, describe(item))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not a list of strings", describe(v))
}

// describe renders a value for an error message as the user wrote it.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}
