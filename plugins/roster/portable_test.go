package roster

import (
	"context"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// TestPortableReplacesOwnItemsOnly imports a roster over one that has an
// item the file lacks and an item another plugin manages: the file's
// items and request replace the owner's own items, the managed part
// stays, the version moves on, and an export gives back what was imported.
func TestPortableReplacesOwnItemsOnly(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{data: map[string][]byte{}}
	owner := "alice@localhost"
	seed := map[string]*record{
		"dave@localhost":  {Sub: "both"},
		"carol@localhost": {Sub: "none", Hidden: true, Managed: map[string]managedPart{"sharedroster": {Name: "Carol", Groups: []string{"Staff"}}}},
	}
	for contact, rec := range seed {
		if err := save(ctx, st, contact, rec); err != nil {
			t.Fatal(err)
		}
	}
	st.Put(ctx, verKey, []byte("abcd-7"))
	doc := etree.NewDocument()
	if err := doc.ReadFromString(`<user xmlns='urn:xmpp:pie:0'>
		<query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob' subscription='to'><group>Friends</group></item>
		<item jid='alice@localhost' subscription='both'/></query>
		<presence from='erin@example.net' type='subscribe'><status>hi, it is Erin</status></presence></user>`); err != nil {
		t.Fatal(err)
	}
	r := New()
	n, err := r.ImportAccount(ctx, st, owner, doc.Root().ChildElements())
	if err != nil || n != 2 {
		t.Fatalf("ImportAccount = %d, %v; want 2 (bob, erin's request; not alice herself)", n, err)
	}
	if rec, _ := load(ctx, st, "dave@localhost"); rec != nil {
		t.Errorf("dave, not in the file, is still there: %+v", rec)
	}
	if rec, _ := load(ctx, st, "carol@localhost"); !rec.managed() || rec.own() {
		t.Errorf("carol's managed item: %+v", rec)
	}
	if rec, _ := load(ctx, st, "bob@localhost"); rec == nil || rec.state() != To || rec.Name != "Bob" {
		t.Errorf("bob: %+v", rec)
	}
	if ver, _ := version(ctx, st); ver != "abcd-8" {
		t.Errorf("version after the import: %s, want abcd-8", ver)
	}
	out, err := r.ExportAccount(ctx, st, owner)
	if err != nil || len(out) != 2 {
		t.Fatalf("ExportAccount = %v, %v", out, err)
	}
	var b strings.Builder
	for _, el := range out {
		b.WriteString(string(sdk.MarshalElement(el)))
	}
	want := `<query xmlns="jabber:iq:roster"><item jid="bob@localhost" name="Bob" subscription="to"><group>Friends</group></item></query>` +
		`<presence xmlns="jabber:client" from="erin@example.net" type="subscribe"><status>hi, it is Erin</status></presence>`
	if b.String() != want {
		t.Errorf("export:\n%s\nwant\n%s", b.String(), want)
	}
}
