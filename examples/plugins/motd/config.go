package main

import (
	"errors"
	"strings"
)

// Config is motd's config section.
type Config struct {
	// Message is the text sent to every user when they log in. Required.
	Message string `json:"message"`
}

// Validate refuses a missing or blank message: a plugin that greets with
// nothing is a configuration mistake.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.Message) == "" {
		return errors.New("message is required and must not be blank")
	}
	return nil
}
