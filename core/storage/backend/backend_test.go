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

func TestParseURL(t *testing.T) {
	tests := []struct{ url, driver, dsn, err string }{
		{"sqlite:data/switchboard.db", "sqlite", "data/switchboard.db", ""},
		{"sqlite:///var/lib/switchboard/switchboard.db", "sqlite", "/var/lib/switchboard/switchboard.db", ""},
		{"postgres://u@db/xmpp?sslmode=verify-full", "postgres", "postgres://u@db/xmpp?sslmode=verify-full", ""},
		{"postgresql:///xmpp", "postgres", "postgresql:///xmpp", ""},
		{"sqlite:", "", "", "names no file"},
		{"data/switchboard.db", "", "", "want sqlite:PATH or postgres://"},
	}
	for _, tt := range tests {
		driver, dsn, err := ParseURL(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseURL(%q) = %v, want an error saying %q", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil || driver != tt.driver || dsn != tt.dsn {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q", tt.url, driver, dsn, err, tt.driver, tt.dsn)
		}
	}
}
