package backend

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		driver  string
		wantErr string
	}{
		{"sqlite", ""},
		{"postgres", `unknown storage driver "postgres" (supported: sqlite)`},
		{"", `unknown storage driver "" (supported: sqlite)`},
	}
	for _, tt := range tests {
		t.Run(tt.driver, func(t *testing.T) {
			s, err := Open(t.Context(), tt.driver, filepath.Join(t.TempDir(), "db.sqlite"), Options{}, hclog.NewNullLogger())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Open(%q) err = %v, want %q", tt.driver, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.driver, err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			if err := s.Put(t.Context(), "ns", "", "k", []byte("v")); err != nil {
				t.Errorf("Put on opened store: %v", err)
			}
		})
	}
}
