package backend

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		driver  string
		wantErr string
	}{
		{"sqlite", ""},
		{"", `unknown storage driver "" (supported: sqlite, postgres)`},
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

// postgres is opened by its driver: the DSN, naming a port nothing listens
// on, gets the driver's diagnosis. (The driver's own tests run against a
// real server.)
func TestOpenPostgres(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dsn := "postgres://switchboard@" + l.Addr().String() + "/xmpp?connect_timeout=5"
	l.Close()
	for name, open := range map[string]func() error{
		"Open": func() error {
			_, err := Open(t.Context(), "postgres", dsn, Options{}, hclog.NewNullLogger())
			return err
		},
		"Check": func() error { return Check(t.Context(), "postgres", dsn, Options{}) },
	} {
		err := open()
		if err == nil || !strings.Contains(err.Error(), "connecting to postgres") || !strings.Contains(err.Error(), "host unreachable") {
			t.Errorf("%s(postgres, closed port) = %v, want the postgres driver's host unreachable", name, err)
		}
	}
}
