package sdk

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type limits struct {
	MaxItems int           `json:"max_items"`
	Mode     string        `json:"mode,omitempty"`
	Expire   time.Duration `json:"expire"`
	Strict   bool          `json:"strict"`
	Nested   struct {
		Level int `json:"level"`
	} `json:"nested"`
}

func (l *limits) Validate() error {
	if l.MaxItems < 1 {
		return errors.New("max_items must be at least 1")
	}
	return nil
}

func TestConfigDecode(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    limits
		wantErr string
	}{
		{"absent section keeps defaults", "", limits{MaxItems: 10}, ""},
		{"null section keeps defaults", "null", limits{MaxItems: 10}, ""},
		{"keys override defaults", `{"max_items": 3}`, limits{MaxItems: 3}, ""},
		{"unknown key is named", `{"max_itmes": 3}`, limits{}, `"max_itmes"`},
		{"wrong type is named", `{"max_items": "many"}`, limits{}, "max_items"},
		{"fraction for an int", `{"max_items": 1.5}`, limits{}, "max_items"},
		{"unknown nested key is named", `{"nested": {"levle": 1}}`, limits{}, "levle"},
		{"strings from the environment", `{"max_items": "7", "strict": "true", "expire": "90s", "nested": {"level": "2"}}`,
			limits{MaxItems: 7, Strict: true, Expire: 90 * time.Second, Nested: struct {
				Level int `json:"level"`
			}{2}}, ""},
		{"not an object", `[1]`, limits{}, "decoding config"},
		{"Validate runs after decoding", `{"max_items": 0}`, limits{}, "max_items must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := limits{MaxItems: 10}
			err := Config{raw: []byte(tt.raw)}.Decode(&got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode error = %v, want one containing %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Decode = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestConfigDecodeValidatesDefaults(t *testing.T) {
	got := limits{}
	if err := (Config{}).Decode(&got); err == nil {
		t.Fatal("an empty section skipped Validate")
	}
}
