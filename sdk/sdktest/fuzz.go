package sdktest

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// FuzzStanzas fuzzes a plugin's request parsing: every input that is a
// well-formed stanza is handled as if from had sent it, and the fuzz
// fails when the plugin panics (the sdk turns a panic into
// internal-server-error, so only the log shows it) or answers with a
// reply that is not a stanza. seeds are stanzas the plugin really gets.
func FuzzStanzas(f *testing.F, p sdk.Plugin, opts Options, from string, seeds ...string) {
	f.Helper()
	for _, s := range seeds {
		f.Add(s)
	}
	var panicked atomic.Bool
	watch := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Error, Output: discard{}})
	watch.RegisterSink(panicSink{&panicked})
	opts.Logger = watch
	h := New(f, p, opts)
	f.Fuzz(func(t *testing.T, stanza string) {
		if !wellFormedStanza(stanza) {
			return
		}
		panicked.Store(false)
		h.t = t // the harness reports to this input's test, not to f
		// What earlier inputs made the plugin send is of no use here, and
		// kept it would grow without bound over a long run.
		h.host.mu.Lock()
		h.host.sent, h.host.published = nil, nil
		h.host.mu.Unlock()
		r := h.Handle(stanza, from)
		if panicked.Load() {
			t.Fatalf("the plugin panicked on %q", stanza)
		}
		for _, reply := range r.Replies {
			switch reply.Tag {
			case "iq", "message", "presence":
			default:
				t.Fatalf("reply to %q is not a stanza: <%s>", stanza, reply.Tag)
			}
		}
	})
}

// wellFormedStanza keeps the fuzzer to what the core would hand a plugin:
// one message, presence or iq element.
func wellFormedStanza(s string) bool {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(s); err != nil || doc.Root() == nil {
		return false
	}
	switch doc.Root().Tag {
	case "iq", "message", "presence":
		return strings.Count(s, "<") < 200 // the core bounds depth and size
	}
	return false
}

type panicSink struct{ flag *atomic.Bool }

func (s panicSink) Accept(_ string, _ hclog.Level, msg string, _ ...any) {
	if strings.HasSuffix(msg, " panicked") {
		s.flag.Store(true)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
