package roster

import (
	"context"
	"flag"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

func TestTranscript(t *testing.T) {
	p := New()
	p.pushPrefix = "push-" // the random part would change every run
	h := sdktest.New(t, p, sdktest.Options{Logger: hclog.NewNullLogger()})
	if err := h.Store("juliet@localhost").Put(context.Background(), verKey, []byte("e-0")); err != nil {
		t.Fatal(err)
	}
	h.Golden("testdata/roster.xml", *update)
}
