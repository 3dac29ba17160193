// Package journal marks the server's log lines with their syslog priority
// when standard error is the systemd journal's stream, as sd-daemon(3)
// describes ("<4>" before a warning): the journal then files each line at
// its level, so that `journalctl -p warning` shows the server's warnings
// and errors, and not every line at info.
package journal

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// Connected reports whether f is the stream systemd connected to the
// journal: JOURNAL_STREAM (in environ) names its device and inode
// (systemd.exec(5)). A file that a unit or a shell redirected elsewhere
// is not, even when the variable was inherited.
func Connected(environ []string, f *os.File) bool {
	var dev, ino uint64
	found := false
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "JOURNAL_STREAM="); ok {
			_, err := fmt.Sscanf(v, "%d:%d", &dev, &ino)
			found = err == nil
		}
	}
	if !found || f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && uint64(st.Dev) == dev && uint64(st.Ino) == ino
}

// Writer prefixes each line written through it with the syslog priority
// of the level of the log entry: hclog writes an entry, however many lines
// its values take, in one Write, and its level is in the first line, in
// the text format ("… [WARN]  …") or the JSON one ("@level":"warn"). An
// entry without a level is filed at info.
type Writer struct{ w io.Writer }

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p with the entry's priority before each of its lines, and
// reports len(p) written when all of it was.
func (j *Writer) Write(p []byte) (int, error) {
	prio := priority(p)
	out := make([]byte, 0, len(p)+8)
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		out = append(out, '<', prio, '>')
		out = append(out, line...)
	}
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// priority is the syslog priority digit (RFC 5424: 3 error, 4 warning,
// 6 info, 7 debug) of the level an entry begins with.
func priority(entry []byte) byte {
	var level []byte
	if bytes.HasPrefix(entry, []byte("{")) {
		if _, after, ok := bytes.Cut(entry, []byte(`"@level":"`)); ok {
			level, _, _ = bytes.Cut(after, []byte(`"`))
		}
	} else if _, after, ok := bytes.Cut(entry, []byte(" [")); ok {
		level, _, _ = bytes.Cut(after, []byte("]"))
	}
	switch strings.ToLower(string(level)) {
	case "error":
		return '3'
	case "warn":
		return '4'
	case "debug", "trace":
		return '7'
	}
	return '6'
}
