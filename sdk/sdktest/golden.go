package sdktest

import (
	"os"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
)

// Golden plays a transcript file (testdata/*.xml, by convention) against
// the plugin and compares what comes back with what the file expects. A
// file is a list of exchanges separated by lines of "===". Each exchange
// is an optional "from: JID" line (the sender; without it, or empty, the
// client is not yet authenticated), the stanza sent, a line of "---", and
// the expected outcome, one element a line: the replies, then what the
// plugin sent through the Host, then the <error/> the sender gets, if any.
// Lines starting with "#" are comments.
//
//	from: alice@localhost/phone
//	<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>
//	---
//	<iq from="localhost" id="p1" to="alice@localhost/phone" type="result"/>
//
// Expected elements are compared canonicalised (attributes sorted, one
// line). With update true, the file is rewritten with the actual outcome;
// wire it to a flag of the plugin's test (`go test -update`).
func (h *Harness) Golden(path string, update bool) {
	h.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatalf("golden: %v", err)
	}
	var out []string
	for i, ex := range exchanges(string(b)) {
		if !ex.hasSep {
			h.t.Fatalf("golden %s: exchange %d has no --- line", path, i+1)
		}
		from, stanzaXML := splitFrom(ex.input)
		got := h.outcome(stanzaXML, from)
		if want := canonicalLines(h, ex.want); !update && got != want {
			h.t.Errorf("golden %s, exchange %d:\n got:\n%s\nwant:\n%s", path, i+1, got, want)
		}
		if got != "" {
			got = "\n" + got
		}
		out = append(out, ex.input+"\n---"+got)
	}
	if update {
		if err := os.WriteFile(path, []byte(strings.Join(out, "\n===\n")+"\n"), 0o644); err != nil {
			h.t.Fatalf("golden: %v", err)
		}
	}
}

type exchange struct {
	input, want string
	hasSep      bool
}

// exchanges splits a transcript at its "===" and "---" lines.
func exchanges(text string) []exchange {
	var all []exchange
	var cur exchange
	var input, want []string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		switch {
		case line == "===":
			cur.input, cur.want = strings.Join(input, "\n"), strings.Join(want, "\n")
			all = append(all, cur)
			cur, input, want = exchange{}, nil, nil
		case line == "---" && !cur.hasSep:
			cur.hasSep = true
		case cur.hasSep:
			want = append(want, line)
		default:
			input = append(input, line)
		}
	}
	cur.input, cur.want = strings.Join(input, "\n"), strings.Join(want, "\n")
	return append(all, cur)
}

// splitFrom takes the "from:" line and comments off an exchange's input.
func splitFrom(input string) (from, stanzaXML string) {
	var rest []string
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "from:"):
			from = strings.TrimSpace(strings.TrimPrefix(line, "from:"))
		default:
			rest = append(rest, line)
		}
	}
	return from, strings.Join(rest, "\n")
}

// outcome runs one exchange and writes its outcome as the file holds it.
func (h *Harness) outcome(stanzaXML, from string) string {
	before := len(h.Sent())
	r := h.Handle(stanzaXML, from)
	var lines []string
	for _, el := range r.Replies {
		lines = append(lines, canonical(el))
	}
	for _, el := range h.Sent()[before:] {
		lines = append(lines, canonical(el))
	}
	if r.Err != nil {
		el, err := wire.ParseStanza(r.Err.AppendXML(nil))
		if err != nil {
			h.t.Fatalf("golden: %v", err)
		}
		lines = append(lines, canonical(el))
	}
	return strings.Join(lines, "\n")
}

func canonicalLines(h *Harness, s string) string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		el, err := wire.ParseStanza([]byte(line))
		if err != nil {
			h.t.Fatalf("golden: expected %q: %v", line, err)
		}
		lines = append(lines, canonical(el))
	}
	return strings.Join(lines, "\n")
}

// canonical writes el on one line with its attributes sorted, so that
// quoting and attribute order do not make two equal stanzas differ.
func canonical(el *etree.Element) string {
	c := el.Copy()
	sortAttrs(c)
	var b strings.Builder
	c.WriteTo(&b, &etree.WriteSettings{})
	return b.String()
}

func sortAttrs(el *etree.Element) {
	el.SortAttrs()
	for _, c := range el.ChildElements() {
		sortAttrs(c)
	}
}
