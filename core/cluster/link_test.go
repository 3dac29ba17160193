package cluster

import (
	"bytes"
	"testing"
)

func TestBatchRoundTrip(t *testing.T) {
	in := []item{
		{full: "alice@localhost/a", b: []byte("<message from='bob@localhost/b'/>")},
		{full: "bob@localhost/résumé", shared: true, b: bytes.Repeat([]byte("x"), 300)},
		{full: "carol@localhost/c", b: []byte{}},
	}
	out, err := decodeBatch(encodeBatch(nil, in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("decoded %d items, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i].full != in[i].full || out[i].shared != in[i].shared || !bytes.Equal(out[i].b, in[i].b) {
			t.Errorf("item %d: got %+v, want %+v", i, out[i], in[i])
		}
	}
}

// A batch cut anywhere short is refused whole, never half read.
func TestBatchTruncated(t *testing.T) {
	b := encodeBatch(nil, []item{{full: "alice@localhost/a", b: []byte("<message/>")}})
	for n := 1; n < len(b); n++ {
		if _, err := decodeBatch(b[:n]); err == nil {
			t.Errorf("a batch cut to %d of %d bytes decoded", n, len(b))
		}
	}
}

func TestKeyOfRoundTrip(t *testing.T) {
	for _, full := range []string{"alice@localhost/a", "bob@localhost/with/slashes and spaces", "ünïcode@localhost/r"} {
		key := keyOf(full)
		for _, r := range key {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Errorf("key %q of %q has %q, which a JetStream key may not", key, full, r)
			}
		}
		if back, err := fullOf(key); err != nil || back != full {
			t.Errorf("fullOf(keyOf(%q)) = %q, %v", full, back, err)
		}
	}
}
