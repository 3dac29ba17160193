package mam

import (
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

func TestTranscript(t *testing.T) {
	// Ids without a time keep the transcript readable; the tests of
	// queries run over both kinds.
	f := newLegacyFixture(t, nil)
	f.conversation(4)
	f.h.Golden("testdata/mam.xml", *update)
}
