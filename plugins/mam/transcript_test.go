package mam

import (
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

func TestTranscript(t *testing.T) {
	f := newFixture(t, nil)
	f.conversation(4)
	f.h.Golden("testdata/mam.xml", *update)
}
