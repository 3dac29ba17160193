package portable_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/accounts"
	"github.com/switchboard-xmpp/switchboard/core/portable"
	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/sqlite"
	"github.com/switchboard-xmpp/switchboard/plugins/offline"
	"github.com/switchboard-xmpp/switchboard/plugins/private"
	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/plugins/vcard"
)

func plugins() []portable.Plugin {
	return []portable.Plugin{
		{Name: "offline", Portable: offline.New()},
		{Name: "private", Portable: private.New()},
		{Name: "roster", Portable: roster.New()},
		{Name: "vcard", Portable: vcard.New()},
	}
}

func newImporter(t *testing.T) (*portable.Importer, storage.Store) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &portable.Importer{Store: store, Accounts: accounts.New(store, 4096), Plugins: plugins(), Log: hclog.NewNullLogger()}, store
}

// sha1Matches reports whether keys are password's SCRAM-SHA-1 keys.
func sha1Matches(t *testing.T, k storage.SCRAMKeys, password string) bool {
	t.Helper()
	salted, err := pbkdf2.Key(sha1.New, password, k.Salt, k.Iterations, sha1.Size)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha1.New, salted)
	m.Write([]byte("Client Key"))
	stored := sha1.Sum(m.Sum(nil))
	return bytes.Equal(stored[:], k.StoredKey)
}

// TestImportProsodyFile imports a file Debian's Prosody 0.12 wrote
// (prosody-migrator into its xep0227 store; alice's password "secret"):
// her SCRAM-SHA-1 keys are Prosody's, and each plugin holds its part.
func TestImportProsodyFile(t *testing.T) {
	ctx := context.Background()
	im, store := newImporter(t)
	users, err := portable.ReadFiles([]string{"testdata/prosody"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := im.Import(ctx, users, portable.ImportOptions{Domain: "example.org"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accounts) != 1 || len(res.SHA1Only) != 1 || res.Items["roster"] != 3 || res.Items["vcard"] != 1 || res.Items["private"] != 1 {
		t.Errorf("import: %+v", res)
	}
	a, err := store.Account(ctx, "example.org", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !sha1Matches(t, a.Credentials.SHA1, "secret") || a.Credentials.SHA1.Iterations != 10000 || len(a.Credentials.SHA256.StoredKey) != 0 {
		t.Errorf("alice's keys: %+v", a.Credentials)
	}
	var out bytes.Buffer
	if _, err := portable.Export(ctx, store, "example.org", plugins(), &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<item jid="bob@example.org" name="Bob" subscription="both"><group>Friends</group></item>`,
		`<item jid="dave@remote.test" subscription="none" ask="subscribe"/>`,
		`<presence xmlns="jabber:client" from="carol@remote.test" type="subscribe"/>`,
		`<vCard xmlns="vcard-temp"><FN>Alice Prosody</FN></vCard>`,
		`<storage xmlns="storage:bookmarks"><conference jid="room@conference.example.org" autojoin="true"/></storage>`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the export lacks %s:\n%s", want, out.String())
		}
	}
}

// TestImportEjabberdFiles reads ejabberd's export_piefxis layout (a main
// file in the pre-1.0 namespace including a file per host) given as a
// directory, so each file is read once; its "scram:" password (keys
// base64-encoded twice) and a plain password; offline messages in the old
// namespace; a privacy list no plugin keeps, counted as ignored.
func TestImportEjabberdFiles(t *testing.T) {
	ctx := context.Background()
	im, store := newImporter(t)
	users, err := portable.ReadFiles([]string{"testdata/ejabberd"})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 {
		t.Fatalf("read %d users, want 2 (juliet, Romeo), each once", len(users))
	}
	res, err := im.Import(ctx, users, portable.ImportOptions{Domain: "example.org"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Accounts, " ") != "juliet@example.org romeo@example.org" || res.Items["offline"] != 1 || res.Items["roster"] != 2 ||
		res.Ignored["{jabber:iq:privacy}query"] != 1 {
		t.Errorf("import: %+v", res)
	}
	j, err := store.Account(ctx, "example.org", "juliet")
	if err != nil || !sha1Matches(t, j.Credentials.SHA1, "juliet-pw") {
		t.Errorf("juliet's keys from ejabberd's scram: password: %+v, %v", j.Credentials.SHA1, err)
	}
	ok, err := accounts.New(store, 4096).VerifyPlain(ctx, "example.org", "romeo", "plain-pw")
	if err != nil || !ok {
		t.Errorf("romeo's plain password: %v, %v", ok, err)
	}
	msgs, err := offline.New().ExportAccount(ctx, portable.StoreOf(store, "offline", "juliet@example.org"), "juliet@example.org")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("juliet's offline messages: %v, %v", msgs, err)
	}
	m := msgs[0].FindElement("message")
	if m == nil || m.FindElement("body").Text() != "Wherefore art thou?" || m.FindElement("delay").SelectAttrValue("stamp", "") != "2026-01-01T11:00:00.000Z" {
		t.Errorf("juliet's offline message: %s", elString(msgs[0]))
	}
}

// TestImportRefusesForeignHost writes nothing when the files hold
// accounts of a domain the server does not serve.
func TestImportRefusesForeignHost(t *testing.T) {
	ctx := context.Background()
	im, store := newImporter(t)
	users, err := portable.ReadFiles([]string{"testdata/prosody"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = im.Import(ctx, users, portable.ImportOptions{Domain: "localhost"}, nil)
	if err == nil || !strings.Contains(err.Error(), "example.org") {
		t.Fatalf("import into localhost: %v, want a refusal naming example.org", err)
	}
	if names, _ := store.Accounts(ctx, "example.org"); len(names) != 0 {
		t.Errorf("a refused import wrote accounts: %v", names)
	}
}

func elString(el *etree.Element) string {
	var b bytes.Buffer
	el.WriteTo(&b, &etree.WriteSettings{})
	return b.String()
}
