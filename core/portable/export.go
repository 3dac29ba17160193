package portable

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// Exported counts what an export wrote: accounts, and each plugin's
// elements.
type Exported struct {
	Accounts int
	Elements map[string]int
}

// Export writes every account of domain, with its keys and what each
// plugin keeps for it, as one XEP-0227 document. Accounts are read one at
// a time, so a large server is written without being held in memory.
func Export(ctx context.Context, store storage.Store, domain string, plugins []Plugin, w io.Writer, progress Progress) (Exported, error) {
	counts := Exported{Elements: map[string]int{}}
	names, err := store.Accounts(ctx, domain)
	if err != nil {
		return counts, fmt.Errorf("listing the accounts of %s: %w", domain, err)
	}
	bw := bufio.NewWriter(w)
	var jid strings.Builder
	xml.EscapeText(&jid, []byte(domain))
	fmt.Fprintf(bw, "<?xml version='1.0' encoding='UTF-8'?>\n<server-data xmlns='%s'>\n  <host jid='%s'>\n", NS, jid.String())
	for i, name := range names {
		user, err := exportAccount(ctx, store, domain, name, plugins, counts.Elements)
		if err != nil {
			return counts, err
		}
		writeUser(bw, user)
		counts.Accounts++
		if progress != nil {
			progress(int64(i+1), int64(len(names)))
		}
	}
	fmt.Fprint(bw, "  </host>\n</server-data>\n")
	if err := bw.Flush(); err != nil {
		return counts, fmt.Errorf("writing the export: %w", err)
	}
	if progress != nil && len(names) == 0 {
		progress(0, 0)
	}
	return counts, nil
}

// exportAccount builds one <user/>.
func exportAccount(ctx context.Context, store storage.Store, domain, name string, plugins []Plugin, counts map[string]int) (*etree.Element, error) {
	a, err := store.Account(ctx, domain, name)
	if err != nil {
		return nil, fmt.Errorf("reading account %s: %w", storage.Owner(domain, name), err)
	}
	owner := storage.Owner(domain, name)
	user := etree.NewElement("user")
	user.CreateAttr("name", name)
	for _, el := range credentialElements(a.Credentials) {
		user.AddChild(el)
	}
	for _, p := range plugins {
		els, err := p.ExportAccount(ctx, pluginStore{store: store, ns: p.Name, owner: owner}, owner)
		if err != nil {
			return nil, fmt.Errorf("exporting the %s data of %s: %w", p.Name, owner, err)
		}
		for _, el := range els {
			user.AddChild(el)
		}
		counts[p.Name] += len(els)
	}
	return user, nil
}

// writeUser writes one <user/> on a line of its own. It is not indented
// inside: whitespace added to a message or to private XML would be
// imported as part of it.
func writeUser(w *bufio.Writer, user *etree.Element) {
	w.WriteString("    ")
	user.WriteTo(w, &etree.WriteSettings{CanonicalAttrVal: true})
	w.WriteByte('\n')
}
