package config

import (
	"slices"
	"strings"
	"testing"
)

// TestDomains: domains alone makes its first entry the primary domain; a
// domain: among them picks another primary; one outside them, a domain
// listed twice or one not in canonical form is refused by name.
func TestDomains(t *testing.T) {
	c, err := Load(writeConfig(t, "domains: [a.example, b.example]\n"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Domain != "a.example" || !slices.Equal(c.Hosted(), []string{"a.example", "b.example"}) {
		t.Errorf("domain %q, hosted %v; want a.example first of a.example, b.example", c.Domain, c.Hosted())
	}
	c, err = Load(writeConfig(t, "domain: b.example\ndomains: [a.example, b.example]\n"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Hosted(), []string{"b.example", "a.example"}) {
		t.Errorf("hosted %v, want the primary b.example first", c.Hosted())
	}
	if c := Default(); !slices.Equal(c.Hosted(), []string{"localhost"}) {
		t.Errorf("domain alone hosts %v", c.Hosted())
	}
	for yaml, want := range map[string]string{
		"domain: c.example\ndomains: [a.example, b.example]\n":                       `domain: "c.example" is not one of domains`,
		"domains: [a.example, a.example]\n":                                          "domains: lists a.example twice",
		"domains: [A.example]\n":                                                     `domains: "A.example" is not in canonical form`,
		"plugins:\n  muc:\n    domain: b.example\ndomains: [a.example, b.example]\n": "is a domain the server hosts",
	} {
		c, err := Load(writeConfig(t, yaml), nil, nil)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", yaml, err, want)
		}
	}
}
