package pep_test

import (
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// TestTranscript plays testdata/pep.xml: the IQ side of publishing,
// retrieving, configuring and deleting, with roster faked.
func TestTranscript(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.h.Golden("testdata/pep.xml", *update)
}
