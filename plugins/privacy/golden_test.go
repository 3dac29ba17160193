package privacy

import "testing"

// The seed's client (Psi+) asks for its privacy lists right after login;
// Tigase answered with a list of its own making, Switchboard with none.
func TestSeedTranscript(t *testing.T) {
	h, _ := newHarness(t, nil)
	h.Golden("testdata/seed.xml", *update)
}

func TestPrivacyTranscript(t *testing.T) {
	h, _ := newHarness(t, nil)
	h.Golden("testdata/privacy.xml", *update)
}

func TestBlockingTranscript(t *testing.T) {
	h, _ := newHarness(t, nil)
	h.Golden("testdata/blocking.xml", *update)
}
