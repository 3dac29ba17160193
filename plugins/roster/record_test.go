package roster

import (
	"encoding/json"
	"testing"
)

func TestRecordParts(t *testing.T) {
	staff := map[string]managedPart{"sharedroster": {Groups: []string{"Staff"}}}
	tests := []struct {
		name                 string
		rec                  *record
		listed, own, managed bool
		pruned               bool
	}{
		{"none", nil, false, false, false, true},
		{"own", &record{Sub: "none"}, true, true, false, false},
		{"a request kept hidden", &record{Sub: "none", PendingIn: true, Hidden: true}, false, false, false, false},
		{"hidden, nothing left", &record{Sub: "none", Hidden: true}, false, false, false, true},
		{"managed only", &record{Sub: "none", Hidden: true, Managed: staff}, true, false, true, false},
		{"own and managed", &record{Sub: "to", Managed: staff}, true, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rec.listed(); got != tt.listed {
				t.Errorf("listed = %v", got)
			}
			if got := tt.rec.own(); got != tt.own {
				t.Errorf("own = %v", got)
			}
			if got := tt.rec.managed(); got != tt.managed {
				t.Errorf("managed = %v", got)
			}
			if tt.rec != nil {
				if got := prune(tt.rec.clone()) == nil; got != tt.pruned {
					t.Errorf("pruned = %v", got)
				}
			}
		})
	}
}

// TestRecordManagedCopiesAndCompares: clone copies the managed parts deep,
// equal sees every difference in them, and a record survives the store's
// JSON with them.
func TestRecordManagedCopiesAndCompares(t *testing.T) {
	base := func() *record {
		return &record{Sub: "none", Hidden: true, Managed: map[string]managedPart{
			"sharedroster": {Name: "Bob", Groups: []string{"Staff", "Ops"}},
		}}
	}
	tests := []struct {
		name   string
		change func(r *record)
		equal  bool
	}{
		{"unchanged", func(*record) {}, true},
		{"no part left is no map", func(r *record) { r.setManaged("other", &managedPart{}); r.setManaged("other", nil) }, true},
		{"a group renamed", func(r *record) { r.Managed["sharedroster"].Groups[0] = "Staf" }, false},
		{"groups reordered", func(r *record) {
			r.setManaged("sharedroster", &managedPart{Name: "Bob", Groups: []string{"Ops", "Staff"}})
		}, false},
		{"the name", func(r *record) { r.setManaged("sharedroster", &managedPart{Groups: []string{"Staff", "Ops"}}) }, false},
		{"another caller", func(r *record) { r.setManaged("classes", &managedPart{}) }, false},
		{"the part gone", func(r *record) { r.setManaged("sharedroster", nil) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := base()
			c := orig.clone()
			tt.change(c)
			if !orig.equal(base()) {
				t.Errorf("changing the clone changed the original: %+v", orig.Managed)
			}
			if got := orig.equal(c); got != tt.equal {
				t.Errorf("equal = %v, want %v", got, tt.equal)
			}
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			var back record
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.equal(c) {
				t.Errorf("stored as %s, read back as %+v", b, back)
			}
		})
	}
}
