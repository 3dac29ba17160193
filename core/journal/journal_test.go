package journal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestPriorities: each entry hclog writes, in either format, reaches the
// journal with its level's priority, every line of a multi-line entry
// included.
func TestPriorities(t *testing.T) {
	for _, jsonFormat := range []bool{false, true} {
		var buf bytes.Buffer
		log := hclog.New(&hclog.LoggerOptions{Name: "switchboard", Level: hclog.Trace, JSONFormat: jsonFormat, Output: NewWriter(&buf)})
		log.Error("failed", "why", "disk full")
		log.Warn("slow [INFO] peer")
		log.Info("started")
		log.Debug("detail")
		log.Warn("two lines", "error", "first\nsecond")
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		var got []string
		for _, l := range lines {
			got = append(got, l[:3])
		}
		want := []string{"<3>", "<4>", "<6>", "<7>", "<4>"}
		if !jsonFormat {
			want = append(want, "<4>", "<4>", "<4>", "<4>") // the value's lines, text format only
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("json %v: priorities %v, want %v\n%s", jsonFormat, got, want, buf.String())
		}
	}
}

// TestConnected: only the file JOURNAL_STREAM names is the journal.
func TestConnected(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	st := fi.Sys().(*syscall.Stat_t)
	this := fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino)
	if !Connected([]string{"HOME=/", this}, f) {
		t.Error("the file JOURNAL_STREAM names is not taken for the journal")
	}
	if Connected([]string{fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino+1)}, f) {
		t.Error("another file taken for the journal")
	}
	if Connected(nil, f) {
		t.Error("taken for the journal without JOURNAL_STREAM")
	}
}
