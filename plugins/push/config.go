package push

import (
	"errors"
	"time"
)

// Config is push's config section.
type Config struct {
	// IncludeSender puts the last message's sender in notifications.
	// Default true.
	IncludeSender bool `json:"include_sender"`
	// IncludeBody puts the last message's body in notifications, which
	// the app server and the phone's vendor then see. Default false.
	IncludeBody bool `json:"include_body"`
	// MinInterval is the least time between two notifications to one app
	// server registration: a burst of messages wakes the phone once.
	// Default 10s.
	MinInterval time.Duration `json:"min_interval"`
	// MaxRegistrations bounds the app server registrations of one account
	// (one per device, usually). Default 16.
	MaxRegistrations int `json:"max_registrations"`
	// Timeout bounds the wait for an app server's answer. Default 10s.
	Timeout time.Duration `json:"timeout"`
	// MaxErrors is how many notifications in a row to one node may go
	// unanswered or meet an error of type wait before the node is
	// disabled. An error of another type disables it at once. Default 3.
	MaxErrors int `json:"max_errors"`
}

func defaultConfig() Config {
	return Config{IncludeSender: true, MinInterval: 10 * time.Second, MaxRegistrations: 16, Timeout: 10 * time.Second, MaxErrors: 3}
}

// Validate checks the limits.
func (c *Config) Validate() error {
	if c.MinInterval < 0 {
		return errors.New("min_interval must not be negative")
	}
	if c.MaxRegistrations < 1 {
		return errors.New("max_registrations must be at least 1")
	}
	if c.MaxErrors < 1 {
		return errors.New("max_errors must be at least 1")
	}
	if c.Timeout < time.Second {
		return errors.New("timeout must be at least 1s")
	}
	return nil
}
