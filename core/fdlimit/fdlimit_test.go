//go:build linux || darwin

package fdlimit

import (
	"os"
	"testing"
)

func TestRaiseToTheHardLimitAndBelow(t *testing.T) {
	start, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Raise(0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Soft != start.Hard || got.Hard != start.Hard {
		t.Fatalf("Raise(0) = %+v, want soft and hard %d", got, start.Hard)
	}
	// An explicit figure below the hard limit is taken as it is; the hard
	// limit stays, so the next Raise(0) can restore the soft one.
	want := start.Hard - 10
	if got, err = Raise(want); err != nil || got.Soft != want || got.Hard != start.Hard {
		t.Fatalf("Raise(%d) = %+v, %v; want soft %d, hard %d", want, got, err, want, start.Hard)
	}
	if got, err = Raise(0); err != nil || got.Soft != start.Hard {
		t.Fatalf("Raise(0) again = %+v, %v", got, err)
	}
}

func TestInUseCountsDescriptors(t *testing.T) {
	before, err := InUse()
	if err != nil {
		t.Fatal(err)
	}
	var files []*os.File
	for range 5 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	after, err := InUse()
	for _, f := range files {
		f.Close()
	}
	if err != nil || after != before+5 {
		t.Fatalf("InUse = %d, %v after opening 5 files; %d before", after, err, before)
	}
}
