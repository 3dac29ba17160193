package vcard_test

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/vcard"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzVCard keeps max_bytes small so that the fuzzer reaches it; romeo
// has a vCard with an avatar for juliet to read.
func FuzzVCard(f *testing.F) {
	setup := func(h *sdktest.Harness) {
		r := h.Handle("<iq type='set' id='r'><vCard xmlns='vcard-temp'><FN>Romeo</FN><PHOTO><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO></vCard></iq>", "romeo@localhost/orchard")
		if r.Err != nil {
			f.Fatal(r.Err)
		}
	}
	opts := sdktest.Options{Domain: "localhost", Config: map[string]any{"max_bytes": 1024}, Setup: setup}
	sdktest.FuzzStanzas(f, vcard.New(), opts, juliet,
		"<iq type='get' id='g'><vCard xmlns='vcard-temp'/></iq>",
		"<iq type='set' id='s'><vCard xmlns='vcard-temp'><FN>Juliet Capulet</FN><NICKNAME>juliet</NICKNAME></vCard></iq>",
		"<iq type='set' id='p' to='juliet@localhost'><vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0K\nGgo=</BINVAL></PHOTO></vCard></iq>",
		"<iq type='get' id='o' to='romeo@localhost'><vCard xmlns='vcard-temp'/></iq>",
		"<iq type='set' id='e'><vCard xmlns='vcard-temp'/></iq>")
}
