package extdisco

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config is extdisco's config section.
type Config struct {
	// Services are the STUN and TURN servers offered to clients, in the
	// order they are listed. None: clients get an empty list.
	Services []Service `json:"services"`
	// Secret is coturn's static-auth-secret (use-auth-secret), shared
	// with every restricted service; required when one is listed.
	Secret string `json:"secret"`
	// CredentialLifetime is how long the TURN credentials given out stay
	// valid. Default 24h.
	CredentialLifetime time.Duration `json:"credential_lifetime"`
	// UsernameLabel follows the expiry in the TURN username
	// ("<expiry>:<label>"). Empty: the requesting user's bare JID, so that
	// the TURN server's log says whose relay it is.
	UsernameLabel string `json:"username_label"`
}

// Service is one STUN or TURN server.
type Service struct {
	// Host is the server's name or IP address, as clients should reach it.
	Host string `json:"host"`
	// Port defaults to 3478, or 5349 for stuns and turns.
	Port int `json:"port"`
	// Type is stun, stuns, turn or turns.
	Type string `json:"type"`
	// Transport is udp or tcp; udp by default, tcp for stuns and turns.
	Transport string `json:"transport"`
	// Name is a label clients may show.
	Name string `json:"name"`
	// Restricted services get time-limited credentials made with Secret;
	// by default turn and turns are restricted, stun and stuns are not.
	Restricted *bool `json:"restricted"`
}

func defaultConfig() Config { return Config{CredentialLifetime: 24 * time.Hour} }

// Validate checks every service and fills in the defaults that follow
// from its type.
func (c *Config) Validate() error {
	if c.CredentialLifetime < time.Minute {
		return errors.New("credential_lifetime must be at least 1m")
	}
	if strings.ContainsAny(c.UsernameLabel, ":") {
		return errors.New("username_label must not contain ':', which separates the expiry in TURN usernames")
	}
	seen := map[key]bool{}
	for i := range c.Services {
		s := &c.Services[i]
		if err := s.fill(); err != nil {
			return fmt.Errorf("services[%d]: %w", i, err)
		}
		if s.restricted() && c.Secret == "" {
			return fmt.Errorf("services[%d]: %s %s is restricted: set secret to coturn's static-auth-secret, or restricted: false", i, s.Type, s.Host)
		}
		if seen[s.key()] {
			return fmt.Errorf("services[%d]: %s %s:%d/%s is listed twice", i, s.Type, s.Host, s.Port, s.Transport)
		}
		seen[s.key()] = true
	}
	return nil
}

// fill checks s and sets the defaults of its type.
func (s *Service) fill() error {
	tls := false
	switch s.Type {
	case "stun", "turn":
	case "stuns", "turns":
		tls = true
	case "":
		return errors.New("type is required: stun, stuns, turn or turns")
	default:
		return fmt.Errorf("type %q is not one of stun, stuns, turn, turns", s.Type)
	}
	if s.Host == "" || strings.ContainsAny(s.Host, " \t\r\n/") {
		return fmt.Errorf("host %q is not a host name or IP address", s.Host)
	}
	switch {
	case s.Port == 0 && tls:
		s.Port = 5349
	case s.Port == 0:
		s.Port = 3478
	case s.Port < 0 || s.Port > 65535:
		return fmt.Errorf("port %d is out of range", s.Port)
	}
	switch s.Transport {
	case "udp", "tcp":
	case "":
		s.Transport = "udp"
		if tls {
			s.Transport = "tcp"
		}
	default:
		return fmt.Errorf("transport %q is not udp or tcp", s.Transport)
	}
	if s.Restricted == nil {
		r := strings.HasPrefix(s.Type, "turn")
		s.Restricted = &r
	}
	return nil
}

func (s Service) restricted() bool { return s.Restricted != nil && *s.Restricted }

// key names a service in pushes: a change of anything else about it is a
// modification, not a new service.
type key struct {
	typ, host, transport string
	port                 int
}

func (s Service) key() key { return key{s.Type, s.Host, s.Transport, s.Port} }
