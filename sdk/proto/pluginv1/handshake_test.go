package pluginv1

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestProtoStatesTheHandshake: a plugin in another language has the
// .proto files, not this package, so the process-level constants must be
// written in plugin.proto as this package defines them.
func TestProtoStatesTheHandshake(t *testing.T) {
	b, err := os.ReadFile("../plugin.proto")
	if err != nil {
		t.Fatal(err)
	}
	proto := strings.Join(strings.Fields(string(b)), " ")
	for _, want := range []string{
		MagicCookieKey + "=" + MagicCookieValue,
		"is " + strconv.Itoa(ProtocolVersion) + ";",
		strconv.Itoa(MaxMessageBytes) + " bytes",
		ReleaseAfterEnv,
	} {
		if !strings.Contains(proto, want) {
			t.Errorf("plugin.proto does not state %q", want)
		}
	}
}
