package loadgen

import (
	"bytes"
	"strings"
	"testing"
)

func TestBodyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name      string
		size      int
		run, seq  uint32
		ts        int64
		transform func(raw []byte) []byte // what a server may do on the way
	}{
		{"minimal body", minBodySize, 1, 0, 0, nil},
		{"default size, large values", 128, 0xdeadbeef, 0xffffffff, 1<<62 + 12345, nil},
		{"from stamped by the server", 200, 7, 42, 123456789, func(raw []byte) []byte {
			return bytes.Replace(raw, []byte("<message "), []byte("<message from='user1@localhost/bench' "), 1)
		}},
		{"re-serialised with xmlns and xml:lang", 64, 7, 3, 99, func(raw []byte) []byte {
			raw = bytes.Replace(raw, []byte("<message "), []byte("<message xmlns='jabber:client' "), 1)
			return bytes.Replace(raw, []byte("<body>"), []byte("<body xml:lang='en'>"), 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := newTemplate("user2@localhost/bench", "chat", tc.run, tc.size)
			tmpl.stamp(tc.seq, tc.ts)
			body := tmpl.raw[tmpl.body : tmpl.body+tc.size]
			if !strings.HasSuffix(string(tmpl.raw), "</body></message>") || bytes.ContainsAny(body, "<&") {
				t.Fatalf("template %q", tmpl.raw)
			}
			raw := tmpl.raw
			if tc.transform != nil {
				raw = tc.transform(bytes.Clone(raw))
			}
			run, seq, ts, ok := decodeBody(raw)
			if !ok || run != tc.run || seq != tc.seq || ts != tc.ts {
				t.Errorf("decodeBody = %x %x %d %v, want %x %x %d", run, seq, ts, ok, tc.run, tc.seq, tc.ts)
			}
		})
	}
}

func TestDecodeBodyRejectsOthers(t *testing.T) {
	for _, raw := range []string{
		"<message><body>hello</body></message>",
		"<message type='chat'/>",
		"<message><body>0000000g 00000001 0000000000000001 x</body></message>",
		"<message><body>00000001-00000001-0000000000000001 x</body></message>",
	} {
		if _, _, _, ok := decodeBody([]byte(raw)); ok {
			t.Errorf("decodeBody(%s) accepted it", raw)
		}
	}
}

func BenchmarkStampAndDecode(b *testing.B) {
	tmpl := newTemplate("user2@localhost/bench", "chat", 1, 128)
	for i := 0; b.Loop(); i++ {
		tmpl.stamp(uint32(i), int64(i))
		if _, _, _, ok := decodeBody(tmpl.raw); !ok {
			b.Fatal("decode failed")
		}
	}
}
