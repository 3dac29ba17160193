package entitytime

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

func FuzzEntityTime(f *testing.F) {
	sdktest.FuzzStanzas(f, New(), sdktest.Options{Domain: "localhost", Config: map[string]any{"timezone": "Asia/Kolkata"}}, "juliet@localhost/balcony",
		"<iq type='get' id='t1' to='localhost'><time xmlns='urn:xmpp:time'/></iq>",
		"<iq type='get' id='t2' to='localhost'><time xmlns='urn:xmpp:time'><tzo/></time></iq>")
}
